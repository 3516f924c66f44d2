using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Scoring;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Scoring;

public class ScorerTests
{
    private static readonly VpProcess Vp = new();

    /// <summary>A 5x6 cutout with distinct values in [0, 1.45] so that a misplaced pixel shows.</summary>
    private static Cutout Ramp(string id, int h = 5, int w = 6) =>
        new(id, h, w, Enumerable.Range(0, h * w).Select(k => 0.05f * k).ToArray());

    [Fact]
    public void Score_ExactGaussianScore_MapsToXSpaceExactly()
    {
        // With y0 ~ N(0, v) the noised score is -y/(a²v + s²); under log1p (y = ln(1 + x)/0.1) the scorer must
        // return g_x = -y/(a²v + s²) / (0.1·(1 + x)) at every pixel of the cropped, unpadded cutout.
        const double v = 4.0, t = 0.02;
        var scorer = new Scorer(GaussianReference.ExactScore(Vp, 0, v), new Log1pTransform(), 8, 8, new ScoringOptions { T = t, BatchSize = 2, Noise = NoiseMode.None });
        var cutouts = new[] { Ramp("a#0"), Ramp("a#1", 7, 3), Ramp("a#2", 8, 8) }; // odd gaps, odd/even mix, no gap; 2 batches
        var results = scorer.Score(cutouts, "a.npy");
        double a = Vp.MarginalMean(t), s = Vp.MarginalStd(t), variance = a * a * v + s * s;
        for (int c = 0; c < cutouts.Length; c++)
        {
            Assert.Equal(cutouts[c].Pixels.Length, results[c].Score.Length);
            for (int k = 0; k < cutouts[c].Pixels.Length; k++)
            {
                double x = cutouts[c].Pixels[k];
                double y = Math.Log(1 + x) / 0.1;
                double expected = -y / variance / (0.1 * (1 + x));
                Assert.Equal(expected, results[c].Score[k], Math.Max(1e-5, Math.Abs(expected) * 1e-5)); // float32 round-off
            }
        }
        Assert.Equal("a#1", results[1].Summary.Id);
        Assert.Equal("a.npy", results[1].Summary.Source);
        Assert.Equal((7, 3), (results[1].Summary.Height, results[1].Summary.Width));
    }

    [Fact]
    public void Score_Cutout_SummaryCarriesTheInputBaselines()
    {
        // The baselines come from the cutout's own pixels (unpadded), not from the score map or the padded input.
        var scorer = new Scorer(GaussianReference.ExactScore(Vp, 0, 2.0), new Log1pTransform(), 8, 8, new ScoringOptions());
        var cutout = Ramp("r", 7, 3);
        var summary = scorer.Score([cutout], "r.npy")[0].Summary;
        Assert.Equal(InputBaselines.FluxOutside(cutout.Pixels, 7, 3), summary.FluxOutside);
        Assert.Equal(InputBaselines.Peaks(cutout.Pixels, 7, 3), summary.Peaks);
        Assert.InRange(summary.FluxOutside, 0.5, 1); // a ramp's flux is mostly far from the centre of a 7x3 strip (r = 0.6)
    }

    [Fact]
    public void ScoreFiles_SplitsOneSharedPassBackIntoEachFilesScores()
    {
        // Three files (1, 0 and 3 cutouts) scored in one call: each file gets exactly what scoring it alone gives,
        // with its own source name in the summaries.
        var scorer = new Scorer(GaussianReference.ExactScore(Vp, 0, 2.0), new Log1pTransform(), 8, 8, new ScoringOptions { BatchSize = 2, Noise = NoiseMode.None });
        (IReadOnlyList<Cutout> Cutouts, string Source)[] files =
            [([Ramp("a#0")], "a.npy"), ([], "empty.npy"), ([Ramp("b#0", 7, 3), Ramp("b#1"), Ramp("b#2", 8, 8)], "b.npy")];
        var together = scorer.ScoreFiles(files);
        Assert.Equal([1, 0, 3], together.Select(f => f.Length));
        for (int i = 0; i < files.Length; i++)
        {
            var alone = scorer.Score(files[i].Cutouts, files[i].Source);
            for (int c = 0; c < alone.Count; c++)
            {
                Assert.Equal(alone[c].Score, together[i][c].Score);
                Assert.Equal(files[i].Source, together[i][c].Summary.Source);
            }
        }
    }

    [Fact]
    public void Score_ChainRule_MatchesFiniteDifferenceOfLogDensity()
    {
        // For log p_y(y) = -y²/2 (score -y) the x-space score is d/dx of f(x) = -y(x)²/2 (original priors) and of
        // f(x) + ln|dy/dx| with the log-Jacobian option. Central differences (h = 1e-4, in double) agree with
        // the float32 scorer to 1e-3 relative.
        Func<Tensor, Tensor, Tensor> unit = (y, _) => y.neg();
        var cutout = Ramp("fd");
        foreach (bool jacobian in new[] { false, true })
        {
            var scorer = new Scorer(unit, new Log1pTransform(), 5, 6, new ScoringOptions { IncludeLogJacobian = jacobian, Noise = NoiseMode.None });
            var g = scorer.Score([cutout], "fd.npy")[0].Score;
            for (int k = 0; k < cutout.Pixels.Length; k++)
            {
                double x = cutout.Pixels[k], h = 1e-4;
                double F(double u) => -0.5 * Math.Pow(Math.Log(1 + u) / 0.1, 2) + (jacobian ? -Math.Log(0.1 * (1 + u)) : 0);
                double fd = (F(x + h) - F(x - h)) / (2 * h);
                Assert.Equal(fd, g[k], Math.Max(1e-3, Math.Abs(fd) * 1e-3));
            }
        }
    }

    [Fact]
    public void Score_Summary_MatchesMapComputedByHand()
    {
        // A score delegate that returns y itself: g_x = y/(0.1(1 + x)) = 100·ln(1 + x)/(1 + x) ≥ 0, largest at
        // the largest x (x ≤ e - 1), so the maximum sits at the last pixel of the ramp.
        var scorer = new Scorer((y, _) => y.alias(), new Log1pTransform(), 8, 8, new ScoringOptions { Threshold = 20, Noise = NoiseMode.None });
        var cutout = Ramp("sum");
        var r = scorer.Score([cutout], "sum.npy")[0];
        var expected = cutout.Pixels.Select(x => 100 * Math.Log(1 + x) / (1 + x)).ToArray();
        Assert.Equal(expected.Average(), r.Summary.MeanAbsScore, 1e-3);
        Assert.Equal(expected.Max(), r.Summary.MaxAbsScore, 1e-3);
        Assert.Equal((4, 5), (r.Summary.MaxRow, r.Summary.MaxCol));
        Assert.Equal(expected.Count(e => e > 20) / 30.0, r.Summary.FracAbove, 12);
        Assert.Equal(0.02, r.Summary.T);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "Infinity")]
    [InlineData(-1f, "outside the domain")]
    [InlineData(-3f, "outside the domain")]
    public void Score_InvalidPixel_ErrorNamesCutoutAndNeverReturnsNaN(float bad, string expected)
    {
        var scorer = new Scorer((y, _) => y.neg(), new Log1pTransform(), 8, 8, new ScoringOptions { Noise = NoiseMode.None });
        var broken = Ramp("stack.npy#3");
        broken.Pixels[7] = bad;
        var ex = Assert.Throws<CutoutScoringException>(() => scorer.Score([Ramp("stack.npy#2"), broken], "stack.npy"));
        Assert.Equal("stack.npy#3", ex.CutoutId);
        Assert.StartsWith("stack.npy#3: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Score_CutoutLargerThanModel_ErrorNamesIt()
    {
        var scorer = new Scorer((y, _) => y.neg(), new Log1pTransform(), 8, 8, new ScoringOptions { Noise = NoiseMode.None });
        var ex = Assert.Throws<CutoutScoringException>(() => scorer.Score([Ramp("big.npy", 9, 8)], "big.npy"));
        Assert.Contains("big.npy", ex.Message);
        Assert.Contains("9x8", ex.Message);
    }

    [Fact]
    public void Score_TimeTensor_CarriesOptionT()
    {
        // The delegate sees t = options.T for every cutout of the batch (clean image, no noise added: y equals forward(x)).
        double seenT = double.NaN;
        float[]? seenY = null;
        Func<Tensor, Tensor, Tensor> spy = (y, t) =>
        {
            seenT = t.to(ScalarType.Float64).max().item<double>();
            Assert.Equal(t.to(ScalarType.Float64).min().item<double>(), seenT);
            seenY = y.flatten().data<float>().ToArray();
            return zeros_like(y);
        };
        new Scorer(spy, new Log1pTransform(), 5, 6, new ScoringOptions { T = 0.05, Noise = NoiseMode.None }).Score([Ramp("t")], "t");
        Assert.Equal(0.05, seenT, 6);
        Assert.Equal(Math.Log(1 + 0.05 * 29) / 0.1, seenY![29], 4);
    }

    [Theory]
    // Noise-free cutouts: the levels sit at c times the floor carried into model space by the transform's slope
    // (log1p(scale 0.1): 10 per data unit, so sigma 2, 4, 8; identity: 0.2, 0.4, 0.8), t = ln(1 + sigma²) for VP;
    // without the floor (0, the files written before it) every level collapses to the smallest feature time.
    [InlineData("log1p", 0.1, new[] { 2.0, 4.0, 8.0 })]
    [InlineData("identity", 0.1, new[] { 0.2, 0.4, 0.8 })]
    [InlineData("log1p", 0.0, new[] { 0.0, 0.0, 0.0 })]
    public void Score_FeatureLevels_SitAtTheFloorCarriedThroughTheTransform(string transform, double floor, double[] sigmas)
    {
        var seen = new List<double>();
        Func<Tensor, Tensor, Tensor> spy = (y, t) =>
        {
            seen.Add(t.to(ScalarType.Float64).max().item<double>());
            return zeros_like(y);
        };
        IDataTransform data = transform == "log1p" ? new Log1pTransform() : new IdentityTransform();
        var options = new ScoringOptions { Noise = NoiseMode.None, Features = new ScoreBatch.Jobs.Anomaly.ScoreFeatureOptions { MinLevelNoise = floor } };
        new Scorer(spy, data, 5, 6, options).Score([Ramp("f")], "f");
        Assert.Equal(4, seen.Count); // the map's pass and one per level
        for (int level = 0; level < 3; level++)
        {
            double expected = sigmas[level] > 0 ? Math.Log(1 + (sigmas[level] * sigmas[level])) : options.Features.MinTime;
            Assert.Equal(expected, seen[level + 1], 3);
        }
    }

    [Fact]
    public void Score_GivenNoise_IsTheExactScoreOfTheNoisyObservation()
    {
        // Data N(0, v) observed with Gaussian noise sigma: the observation's density is N(0, v + sigma²) and its
        // score -y/(v + sigma²). Noise-matched scoring evaluates a·s(a·y, t) at s(t)/a(t) = sigma; with the exact
        // noised score -(a·y)/(a²v + s²) that is -a²y/(a²v + s²) = -y/(v + sigma²) exactly (identity transform).
        const double v = 2.0, sigma = 0.3;
        var scorer = new Scorer(GaussianReference.ExactScore(Vp, 0, v), new IdentityTransform(), 8, 8,
            new ScoringOptions { Noise = NoiseMode.Given, NoiseSigma = sigma });
        var cutout = Ramp("n");
        var result = scorer.Score([cutout], "n.npy")[0];
        for (int k = 0; k < cutout.Pixels.Length; k++)
        {
            double expected = -cutout.Pixels[k] / (v + (sigma * sigma));
            Assert.Equal(expected, result.Score[k], 1e-5);
        }
        Assert.Equal(Math.Log(1 + (sigma * sigma)), result.Summary.T, 6); // t_n = ln(1 + sigma²) for VP beta 1
        Assert.Equal(sigma, result.Summary.NoiseSigma);
    }

    [Fact]
    public void Score_EstimatedNoise_FollowsEachCutoutsBackgroundThroughTheTransform()
    {
        // Two 32² cutouts, one noise-free (zeros around a bump) and one with N(0, 0.02²) background noise. Under
        // log1p the noise in model space is about 0.02/0.1 = 0.2, so t_n = ln(1 + 0.04) = 0.039 (the MAD estimate of
        // ~500 pixels is good to about 5 %); the noise-free one is scored at the floor t = 0.02 with sigma 0.
        var rng = new Random(3);
        float[] Bump(double noise) => Enumerable.Range(0, 1024).Select(k =>
        {
            double r2 = Math.Pow((k / 32) - 15, 2) + Math.Pow((k % 32) - 15, 2);
            double gauss = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            return (float)(Math.Exp(-r2 / 2) + (noise * gauss));
        }).ToArray();
        var scorer = new Scorer((y, _) => y.neg(), new Log1pTransform(), 32, 32, new ScoringOptions());
        var results = scorer.Score([new Cutout("quiet", 32, 32, Bump(0)), new Cutout("noisy", 32, 32, Bump(0.02))], "b.npy");
        Assert.Equal(0.0, results[0].Summary.NoiseSigma, 6);
        Assert.Equal(0.02, results[0].Summary.T);
        Assert.Equal(0.02, results[1].Summary.NoiseSigma, 0.003);
        // The temperature follows the estimate: sigma_y = sigma·dy/dx = 10·sigma at the background, t_n = ln(1 + sigma_y²).
        var sigmaY = 10 * results[1].Summary.NoiseSigma;
        Assert.Equal(Math.Log(1 + (sigmaY * sigmaY)), results[1].Summary.T, 1e-3);
    }

    [Fact]
    public void Constructor_TBeyondTheProcessEnd_SaysSo()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new Scorer((y, _) => y.neg(), new Log1pTransform(), 8, 8, new ScoringOptions { T = 2 }, process: new VpProcess(t: 1)));
        Assert.Contains("beyond the end time T = 1", e.Message, StringComparison.Ordinal);
    }
}
