using System.Text.Json.Nodes;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Storage.Abstractions;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Worker.Demo;

/// <summary>
/// The demo's data: clean synthetic Sersic galaxies to train on and a second set, a quarter of them with a bright
/// companion injected, to score. Sized to finish on a laptop CPU in minutes: 32x32 cutouts, a small ScoreNet and
/// a few hundred steps; the anomalies are obvious enough for such a prior to rank them first.
/// </summary>
public sealed class SyntheticDemoDataSource : IDemoDataSource
{
    /// <summary>Cutout side in pixels (one of the released prior sizes).</summary>
    public const int Size = 32;

    /// <summary>Training cutouts: 8 shards of 64, so the trainer sees several files like a real input.</summary>
    public const int TrainCount = 512;
    public const int TrainShard = 64;

    /// <summary>Scoring cutouts, a quarter with a companion.</summary>
    public const int ScoreCount = 64;

    /// <summary>Clean reference cutouts for the calibration (each also seen in its 8 orientations).</summary>
    public const int ReferenceCount = 64;

    /// <summary>The truth file of the scoring cutouts (id,label,kind,description), next to the scoring input.</summary>
    public const string LabelsFile = "labels.csv";

    public Task<DemoPlan> PrepareAsync(IArtifactStore store, string inputPrefix, CancellationToken cancellationToken)
        => PrepareCoreAsync(store, inputPrefix.TrimEnd('/'), cancellationToken);

    private static async Task<DemoPlan> PrepareCoreAsync(IArtifactStore store, string prefix, CancellationToken ct)
    {
        // A little noise, as in real cutouts; seeds fixed so every demo run sees the same galaxies.
        var options = SersicGalaxyOptions.ForSize(Size) with { NoiseSigma = 0.01 };
        var builder = new SyntheticDatasetBuilder(options);

        var train = builder.Build(TrainCount, seed: 1, cancellationToken: ct);
        for (var shard = 0; shard * TrainShard < TrainCount; shard++)
        {
            var pixels = train.Pixels.AsMemory(shard * TrainShard * Size * Size, TrainShard * Size * Size);
            await WriteNpyAsync(store, $"{prefix}/train/shard-{shard:D4}.npy", pixels, [TrainShard, Size, Size], ct).ConfigureAwait(false);
        }

        var references = builder.Build(ReferenceCount, seed: 3, cancellationToken: ct);
        await WriteNpyAsync(store, $"{prefix}/references/clean.npy", references.Pixels, references.Shape, ct).ConfigureAwait(false);

        var score = builder.Build(ScoreCount, seed: 2, ArtifactKind.Companion, 0.25, cancellationToken: ct);
        await WriteNpyAsync(store, $"{prefix}/score/galaxies.npy", score.Pixels, score.Shape, ct).ConfigureAwait(false);
        // labels.csv as `scorebatch evaluate` reads it; ids are those the score job gives the stack's planes.
        var labels = score.Entries.Select(e => new DetectionLabel($"galaxies.npy#{e.Index}", e.Artifact != ArtifactKind.None,
            e.Artifact == ArtifactKind.None ? LabelsCsv.CleanKind : ArtifactInjectors.NameOf(e.Artifact))).ToArray();
        var text = LabelsCsv.Format(labels, [("description", score.Entries.Select(e => e.Description).ToArray())]);
        await store.WriteAsync($"{prefix}/{LabelsFile}", BinaryData.FromString(text), overwrite: true, ct).ConfigureAwait(false);
        // Two of the scoring cutouts with a companion, for the clean job (its GIFs show the companion fading).
        var withArtifact = score.Entries.Where(e => e.Artifact != ArtifactKind.None).Take(2).Select(e => e.Index).ToArray();
        var cleanPixels = withArtifact.SelectMany(i => score.Pixels.AsSpan(i * Size * Size, Size * Size).ToArray()).ToArray();
        await WriteNpyAsync(store, $"{prefix}/clean/artifacts.npy", cleanPixels, [withArtifact.Length, Size, Size], ct).ConfigureAwait(false);

        var trainParams = new JsonObject
        {
            ["size"] = Size,
            ["steps"] = 400,
            ["batch"] = 64,
            ["width"] = 32,
            ["blocks"] = 2,
            ["mlp_width"] = 128,
            ["checkpoint_every"] = 100,
            ["log_every"] = 50,
            ["seed"] = 0,
        };
        // The score job gets params.calibration from the demo, which knows where the calibrate job writes it.
        var scoreParams = new JsonObject { ["batch"] = 64, ["previews"] = 8 };
        return new DemoPlan($"{prefix}/train", trainParams, $"{prefix}/score", scoreParams, "model.ckpt", $"{prefix}/{LabelsFile}")
        {
            CalibrationInput = $"{prefix}/references",
            CalibrationParams = new JsonObject { ["batch"] = 64 },
            CleanInput = $"{prefix}/clean",
            CleanParams = new JsonObject { ["steps"] = 60, ["animations"] = 2 },
            SampleParams = new JsonObject { ["count"] = 16, ["steps"] = 50, ["seed"] = 0 },
        };
    }

    private static Task<bool> WriteNpyAsync(IArtifactStore store, string path, ReadOnlyMemory<float> pixels, int[] shape, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        Npy.Write(buffer, pixels.Span, shape);
        return store.WriteAsync(path, BinaryData.FromBytes(buffer.ToArray()), overwrite: true, ct);
    }
}
