using System.Diagnostics.Metrics;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Tests.Scoring;

public sealed class JobMetricsTests
{
    [Fact]
    public void Score_SevenCutouts_CountsEveryCutoutOnTheThroughputCounter()
    {
        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == JobMetrics.MeterName && instrument.Name == "scorebatch.cutouts.scored") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        var scorer = new Scorer(GaussianReference.ExactScore(new VpProcess(), 0, 2.0), new IdentityTransform(), 8, 8,
            new ScoringOptions { BatchSize = 2, Noise = NoiseMode.None });
        var cutouts = Enumerable.Range(0, 7).Select(i => new Cutout($"c#{i}", 4, 4, new float[16])).ToList();
        Assert.Equal(7, scorer.Score(cutouts, "c.npy").Count);

        // Other tests may score at the same time (the counter is process-wide): at least these seven, batch by batch.
        Assert.True(Interlocked.Read(ref counted) >= 7, $"counted {counted}");
    }
}
