# ScoreBatch worker images. Two runtime targets from one build:
#   docker build --target runtime-cpu -t scorebatch:cpu .
#   docker build --target runtime-gpu -t scorebatch:gpu .   (libtorch CUDA via -p:TorchRuntime=cuda; host needs only the NVIDIA driver)
# The container runs `scorebatch worker`; configure it with SCOREBATCH__* variables (see README / Infra/k8s).

ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG DOTNET_RUNTIME_DEPS_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0-noble
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu24.04

# ---- restore: project files only, so source edits do not invalidate the package layers ----
FROM ${DOTNET_SDK_IMAGE} AS restore
WORKDIR /src
COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props .editorconfig ./
COPY build/ build/
COPY Jobs/ScoreBatch.Jobs.csproj Jobs/
COPY Storage/ScoreBatch.Storage.csproj Storage/
COPY Worker/ScoreBatch.Worker.csproj Worker/

# Each runtime restores in its own stage: the two restores share obj/project.assets.json, so one stage holding
# both would publish the CPU build against the CUDA assets. The publish is self-contained composite ReadyToRun for
# linux-x64 (the app and the .NET libraries precompiled together, run without tiered re-JIT; see Worker's
# csproj), the same build the `scorebatch` launcher makes, so the images need no .NET runtime of their own.
FROM restore AS publish-cpu
RUN dotnet restore Worker/ScoreBatch.Worker.csproj -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true -p:TorchRuntime=cpu
COPY Jobs/ Jobs/
COPY Storage/ Storage/
COPY Worker/ Worker/
RUN dotnet publish Worker/ScoreBatch.Worker.csproj -c Release -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:TorchRuntime=cpu --no-restore -o /app

FROM restore AS publish-gpu
RUN dotnet restore Worker/ScoreBatch.Worker.csproj -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true -p:TorchRuntime=cuda
COPY Jobs/ Jobs/
COPY Storage/ Storage/
COPY Worker/ Worker/
RUN dotnet publish Worker/ScoreBatch.Worker.csproj -c Release -r linux-x64 --self-contained true \
    -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:TorchRuntime=cuda --no-restore -o /app

# ---- CPU runtime ----
FROM ${DOTNET_RUNTIME_DEPS_IMAGE} AS runtime-cpu
# CFITSIO for FITS inputs and outputs; fontconfig and a font for the PNG previews' text.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcfitsio10t64 libfontconfig1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
ENV SCOREBATCH__CACHEDIRECTORY=/tmp/scorebatch-cache \
    SCOREBATCH__DEVICE=cpu \
    DOTNET_gcServer=0
WORKDIR /app
COPY --from=publish-cpu /app /app
# The dotnet images (runtime-deps included) ship a non-root "app" user (uid 1654).
USER app
# Liveness: the worker touches its heartbeat on every loop turn and progress tick. No --start-period: three
# 60 s intervals already cover start-up, and dockerfilelint 1.8 misreads that option.
HEALTHCHECK --interval=60s --timeout=20s --retries=3 \
  CMD ["/app/scorebatch", "health", "--max-age", "00:03:00"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/scorebatch"]
CMD ["worker"]

# ---- GPU runtime: CUDA 12 on Ubuntu 24.04; the self-contained app brings its own .NET runtime ----
FROM ${CUDA_RUNTIME_IMAGE} AS runtime-gpu
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libgomp1 libssl3t64 zlib1g \
    libcfitsio10t64 libfontconfig1 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 1654 --create-home --shell /usr/sbin/nologin app
ENV SCOREBATCH__CACHEDIRECTORY=/tmp/scorebatch-cache \
    SCOREBATCH__DEVICE=cuda \
    DOTNET_gcServer=0 \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=publish-gpu /app /app
USER app
HEALTHCHECK --interval=60s --timeout=20s --retries=3 \
  CMD ["/app/scorebatch", "health", "--max-age", "00:03:00"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/scorebatch"]
CMD ["worker"]
