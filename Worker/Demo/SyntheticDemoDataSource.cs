using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Demo;

/// <summary>
/// The demo's data: synthetic Sersic galaxies at 32² (max-normalised, centred, PSF-convolved, like the released
/// training data). Training gets <see cref="TrainCount"/> clean galaxies in four .npy stacks; scoring gets
/// <see cref="ScorePairs"/> held-out clean galaxies ("clean.npy") and the same galaxies with an injected ring,
/// companion, hot pixel or cosmic-ray streak ("artifacts.npy"), so the previews show what the prior flags.
/// The model is a reduced mixer (2 blocks, MLP width 256) that trains in about a minute or two on 2 CPU cores.
/// </summary>
public sealed class SyntheticDemoDataSource : IDemoDataSource
{
    public const int Size = 32;
    public const int TrainCount = 2048;
    public const int ScorePairs = 64;
    private const int TrainSeed = 1, ScoreSeed = 2;

    public async Task<DemoPlan> PrepareAsync(IArtifactStore store, string inputPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var builder = new SyntheticDatasetBuilder(new SersicGalaxyOptions(Size: Size));
        var train = builder.Build(TrainCount, TrainSeed, cancellationToken: cancellationToken);
        const int perFile = TrainCount / 4;
        for (var f = 0; f < 4; f++)
        {
            var slice = train.Pixels.AsSpan(f * perFile * Size * Size, perFile * Size * Size);
            await store.WriteAsync($"{inputPrefix}/train/galaxies-{f}.npy", BinaryData.FromBytes(Npy.ToBytes(slice, [perFile, Size, Size])),
                overwrite: true, cancellationToken).ConfigureAwait(false);
        }
        var (clean, twins) = builder.BuildPairs(ScorePairs, ScoreSeed,
            [ArtifactKind.Ring, ArtifactKind.Companion, ArtifactKind.HotPixel, ArtifactKind.Streak], cancellationToken: cancellationToken);
        await store.WriteAsync($"{inputPrefix}/score/clean.npy", BinaryData.FromBytes(Npy.ToBytes(clean.Pixels, clean.Shape)), overwrite: true, cancellationToken)
            .ConfigureAwait(false);
        await store.WriteAsync($"{inputPrefix}/score/artifacts.npy", BinaryData.FromBytes(Npy.ToBytes(twins.Pixels, twins.Shape)), overwrite: true, cancellationToken)
            .ConfigureAwait(false);

        var trainParams = new JsonObject
        {
            ["size"] = Size, ["blocks"] = 2, ["mlp_width"] = 256, ["steps"] = 600, ["batch"] = 64, ["lr"] = 1e-3,
            ["checkpoint_every"] = 200, ["log_every"] = 50, ["seed"] = 0,
        };
        var scoreParams = new JsonObject { ["t"] = 0.02, ["previews"] = 8 };
        return new DemoPlan($"{inputPrefix}/train", trainParams, $"{inputPrefix}/score", scoreParams, "model.ckpt");
    }
}
