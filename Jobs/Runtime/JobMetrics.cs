using System.Diagnostics.Metrics;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// Throughput instruments of the jobs (meter "ScoreBatch.Jobs"): Prometheus reads them as
/// scorebatch_cutouts_scored_total and scorebatch_training_images_total, and rate() over them gives cutouts and
/// training images per second. Recorded where the work happens (Scorer, Trainer), whichever host runs it.
/// </summary>
public static class JobMetrics
{
    public const string MeterName = "ScoreBatch.Jobs";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Cutouts scored (each cutout once, whatever its number of noise levels).</summary>
    public static readonly Counter<long> CutoutsScored = Meter.CreateCounter<long>("scorebatch.cutouts.scored", description: "Cutouts scored");

    /// <summary>Training images consumed: batch size per optimiser step.</summary>
    public static readonly Counter<long> TrainingImages = Meter.CreateCounter<long>("scorebatch.training.images", description: "Images consumed by training steps");
}
