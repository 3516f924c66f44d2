using ScoreBatch.Jobs.Anomaly;
using ScoreBatch.Jobs.Diffusion;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Transforms;
using ScoreBatch.Storage.Formats;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Scoring;

/// <summary>
/// Scores cutouts with a prior (SCIENCE.md 5): each cutout is zero-padded centrally to the model size, mapped to
/// model space y = forward(x), evaluated clean (no noise is added) at time t as s_theta(y, t), mapped back to x
/// space by the chain rule g_x = s_theta · dy/dx (+ the log-Jacobian term when asked), cropped back to the cutout,
/// and summarised. Takes a score delegate, never a network, so exact scores can stand in for one in tests.
/// </summary>
public sealed class Scorer
{
    private readonly Func<Tensor, Tensor, Tensor> _score;
    private readonly IDataTransform _transform;
    private readonly Device _device;

    /// <param name="score">s_theta: (y [N x 1 x H x W], t [N]) -> [N x 1 x H x W], on <paramref name="device"/>.</param>
    /// <param name="transform">The data transform the prior was trained in.</param>
    /// <param name="modelHeight">H of the prior's input.</param>
    /// <param name="modelWidth">W of the prior's input.</param>
    /// <param name="options">Temperature, batch size, threshold, log-Jacobian option (validated here).</param>
    /// <param name="device">Where inputs are placed (default CPU).</param>
    /// <param name="process">The noise process the prior was trained under (default VP, beta 1, T 10): bounds t and
    /// maps a cutout's noise to the temperature that matches it.</param>
    public Scorer(Func<Tensor, Tensor, Tensor> score, IDataTransform transform, int modelHeight, int modelWidth, ScoringOptions options,
        Device? device = null, INoiseProcess? process = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(transform);
        ArgumentNullException.ThrowIfNull(options);
        if (modelHeight < 1 || modelWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(modelHeight), $"model size must be positive, got {modelHeight}x{modelWidth}");
        _score = score;
        Options = options.Validate();
        _transform = WithLogJacobian(transform, options.IncludeLogJacobian);
        ModelHeight = modelHeight;
        ModelWidth = modelWidth;
        _device = device ?? CPU;
        Process = process ?? NoiseProcesses.Create(NoiseProcesses.Default);
        if (Options.T > Process.T)
            throw new ArgumentOutOfRangeException(nameof(options), Options.T, $"t = {Options.T} is beyond the end time T = {Process.T} of the prior's noise process {Process.Spec}");
    }

    /// <summary>The noise process the prior was trained under.</summary>
    public INoiseProcess Process { get; }

    public ScoringOptions Options { get; }

    public int ModelHeight { get; }

    public int ModelWidth { get; }

    /// <summary>
    /// Scores <paramref name="cutouts"/> (all from <paramref name="source"/>) in batches of at most Options.BatchSize
    /// (on the CPU, several equal batches side by side on <see cref="ScoringLanes"/>) and returns one score map and
    /// summary per cutout, in order. Every cutout is checked before any is scored:
    /// a cutout larger than the model, with a NaN or infinite pixel, or outside the transform's domain (x &lt;= -1
    /// under log1p) throws <see cref="CutoutScoringException"/> naming it.
    /// </summary>
    public IReadOnlyList<CutoutScore> Score(IReadOnlyList<Cutout> cutouts, string source, CancellationToken cancellationToken = default) =>
        Score(cutouts, Enumerable.Repeat(source, cutouts.Count).ToArray(), cancellationToken);

    /// <summary>
    /// Cutouts worth scoring in one call when callers gather several files (8 batches): enough for every scoring lane
    /// to have a few batches, so small files (one cutout each) share batches; few enough to hold in memory.
    /// </summary>
    public int CutoutsPerPass => Options.BatchSize * 8;

    /// <summary>
    /// Scores several files' cutouts in one call (they share batches) and returns each file's scores, in file order.
    /// Errors are as <see cref="Score(IReadOnlyList{Cutout}, IReadOnlyList{string}, CancellationToken)"/>'s.
    /// </summary>
    public IReadOnlyList<CutoutScore[]> ScoreFiles(IReadOnlyList<(IReadOnlyList<Cutout> Cutouts, string Source)> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var scores = Score(files.SelectMany(f => f.Cutouts).ToArray(),
            files.SelectMany(f => Enumerable.Repeat(f.Source, f.Cutouts.Count)).ToArray(), cancellationToken);
        var perFile = new CutoutScore[files.Count][];
        for (int i = 0, offset = 0; i < files.Count; offset += perFile[i].Length, i++)
        {
            perFile[i] = new CutoutScore[files[i].Cutouts.Count];
            for (int k = 0; k < perFile[i].Length; k++) perFile[i][k] = scores[offset + k];
        }
        return perFile;
    }

    /// <summary>As <see cref="Score(IReadOnlyList{Cutout}, string, CancellationToken)"/>, with one source name per cutout (cutouts of several files share batches).</summary>
    public IReadOnlyList<CutoutScore> Score(IReadOnlyList<Cutout> cutouts, IReadOnlyList<string> sources, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cutouts);
        ArgumentNullException.ThrowIfNull(sources);
        if (sources.Count != cutouts.Count)
            throw new ArgumentException($"{sources.Count} source names for {cutouts.Count} cutouts", nameof(sources));
        foreach (var c in cutouts) CheckCutout(c);
        int count = cutouts.Count, batches = (count + Options.BatchSize - 1) / Options.BatchSize;
        bool onLanes = count > 1 && _device.type == TorchSharp.DeviceType.CPU;
        if (onLanes)
        {
            // As many batches on every lane, all of one size (to a cutout): no lane waits for another to finish a
            // last, lone batch, and a single batch's worth is split too, so that every lane works (ONNX Runtime
            // runs each call on its lane's thread alone). A cutout's score does not depend on the batch it shares
            // (bit for bit, pinned by the lane tests), so only the timing changes.
            int lanes = ScoringLanes.Shared.Count;
            batches = Math.Min(count, (batches + lanes - 1) / lanes * lanes);
            onLanes = batches > 1;
        }
        var scored = new CutoutScore[batches][];
        void Batch(int b)
        {
            // Batch b covers [b·count/batches, (b+1)·count/batches): sizes differ by at most one, none above BatchSize.
            int start = (int)((long)b * count / batches), end = (int)((long)(b + 1) * count / batches);
            scored[b] = ScoreBatch(cutouts.Skip(start).Take(end - start).ToArray(), sources.Skip(start).Take(end - start).ToArray());
            JobMetrics.CutoutsScored.Add(end - start);
        }
        if (onLanes)
        {
            ScoringLanes.Shared.Run(batches, Batch, cancellationToken); // batches side by side (see ScoringLanes)
        }
        else
        {
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Batch(b);
            }
        }
        return [.. scored.SelectMany(s => s)];
    }

    private CutoutScore[] ScoreBatch(Cutout[] batch, string[] sources)
    {
        int n = batch.Length, plane = ModelHeight * ModelWidth;
        var padded = new float[n * plane];
        for (int i = 0; i < n; i++)
            CentralPadding.PadInto(batch[i].Pixels, batch[i].Height, batch[i].Width, padded.AsSpan(i * plane, plane), ModelHeight, ModelWidth);
        var noise = NoiseLevels(batch);
        var times = new double[n];
        var scales = new double[n];
        for (int i = 0; i < n; i++)
        {
            // Noise-matched temperature (SCIENCE.md 5): the observation y + sigma_y·n is distributed as y_t / a(t) at
            // s(t)/a(t) = sigma_y, so its score is a·s_theta(a·y, t). Never below the noise-free temperature.
            times[i] = Options.Noise == NoiseMode.None ? Options.T : Math.Max(Options.T, Process.TimeForNoise(noise[i].ModelSpace));
            scales[i] = Options.Noise == NoiseMode.None ? 1.0 : Process.MarginalMean(times[i]);
        }

        float[] host;
        (double[] Features, ResidualRegion Region, float[] Residual)[]? features = null;
        using (var scope = NewDisposeScope())
        using (inference_mode())
        {
            var x = tensor(padded, [n, 1, ModelHeight, ModelWidth]).to(_device); // [N x 1 x H x W], x space
            Tensor y;
            try
            {
                y = _transform.Forward(x); // [N x 1 x H x W], model space
            }
            catch (ArgumentException)
            {
                ThrowForCutoutOutsideDomain(batch);
                throw;
            }
            // One sync per batch: a cutout far outside the model space the prior was trained in gets no score at all.
            if (!(y.abs().max().to(ScalarType.Float64).item<double>() <= MaxModelSpaceMagnitude))
                ThrowForCutoutOutOfRange(batch);
            var t = tensor(times, [n]).to(y.dtype).to(_device); // [N]
            var a = tensor(scales, [n, 1, 1, 1]).to(y.dtype).to(_device); // [N x 1 x 1 x 1]; 1 for noise-free scoring
            var raw = Options.Noise == NoiseMode.None ? _score(y, t) : _score(y * a, t); // s_theta at the (scaled) observation
            if (!raw.shape.SequenceEqual(y.shape))
                throw new InvalidOperationException($"the score function returned shape [{string.Join(" x ", raw.shape)}] for input [{string.Join(" x ", y.shape)}]");
            var s = Options.Noise == NoiseMode.None ? raw : raw * a;
            var g = _transform.ChainRule(s, x); // [N x 1 x H x W], x space
            host = g.to(float32).cpu().data<float>().ToArray(); // GPU sync point: one copy per batch
            if (Options.FeaturesToCompute is { } featureOptions)
                features = Features(featureOptions, batch, y, raw, times, noise);
        }

        var results = new CutoutScore[n];
        for (int i = 0; i < n; i++)
        {
            var c = batch[i];
            var map = CentralPadding.Crop(host.AsSpan(i * plane, plane), ModelHeight, ModelWidth, c.Height, c.Width);
            int bad = IndexOfNonFinite(map);
            if (bad >= 0)
                throw new InvalidOperationException($"{c.Id}: the prior returned a non-finite score ({map[bad]}) at (row {bad / c.Width}, col {bad % c.Width}); the model weights may be corrupt");
            var summary = ScoreSummary.FromMap(c.Id, sources[i], c.Height, c.Width, map, Options.Threshold, times[i], noise[i].Data)
                .WithBaselines(c.Pixels);
            if (features is not null) summary = summary with { Region = features[i].Region };
            if (features is not null && Options.Calibration is { } calibration)
            {
                var (anomaly, p, flagged) = calibration.Apply(features[i].Features);
                summary = summary with { Anomaly = anomaly, PValue = p, Anomalous = flagged };
            }
            results[i] = new CutoutScore(map, summary) { Features = features?[i].Features, Residual = features?[i].Residual };
        }
        return results;
    }

    /// <summary>
    /// Multiscale score features (<see cref="ScoreFeatureOptions"/>) of a batch: one pass of the prior per noise
    /// multiplier at t_c (s(t_c)/a(t_c) = c·max(sigma_y, floor_y), <see cref="ScoreFeatureOptions.MinLevelNoise"/>), reusing the score map's own pass where its temperature is the
    /// same; and the residual region of the first level. <paramref name="y"/> [N x 1 x H x W] model space (padded),
    /// <paramref name="mapRaw"/> s_theta of the map's pass.
    /// </summary>
    private (double[] Features, ResidualRegion Region, float[] Residual)[] Features(ScoreFeatureOptions options, Cutout[] batch, Tensor y, Tensor mapRaw,
        double[] mapTimes, (double Data, double ModelSpace)[] noise)
    {
        int n = batch.Length, plane = ModelHeight * ModelWidth;
        var lists = Enumerable.Range(0, n).Select(_ => new List<double>(options.Count)).ToArray();
        var regions = new ResidualRegion[n];
        var residuals = new float[n][];
        // The level floor in model space: the data-space floor times the transform's slope at the cutout's background
        // (the noise's own secant; at 0 when no noise was estimated).
        double? slopeAtZero = null;
        var floors = new double[n];
        for (int i = 0; i < n; i++)
            floors[i] = options.MinLevelNoise == 0 ? 0
                : options.MinLevelNoise * (noise[i].Data > 0 ? noise[i].ModelSpace / noise[i].Data : slopeAtZero ??= SlopeAtZero());
        for (int level = 0; level < options.NoiseMultipliers.Count; level++)
        {
            var c = options.NoiseMultipliers[level];
            var times = new double[n];
            for (int i = 0; i < n; i++)
                times[i] = Math.Clamp(Process.TimeForNoise(c * Math.Max(noise[i].ModelSpace, floors[i])), options.MinTime, options.MaxTimeFraction * Process.T);
            bool reuse = Options.Noise != NoiseMode.None && times.SequenceEqual(mapTimes);
            using var scope = NewDisposeScope();
            var t = tensor(times, [n]).to(y.dtype).to(_device);
            var a = Process.MarginalMean(t.to(float64)).to(y.dtype).view(n, 1, 1, 1);
            var raw = reuse ? mapRaw : _score(y * a, t);
            var e = raw * Process.MarginalStd(t.to(float64)).to(y.dtype).view(n, 1, 1, 1); // standardised residual
            var host = e.to(float32).cpu().data<float>().ToArray();
            for (int i = 0; i < n; i++)
            {
                var ci = batch[i];
                var map = CentralPadding.Crop(host.AsSpan(i * plane, plane), ModelHeight, ModelWidth, ci.Height, ci.Width);
                ScoreFeatures.AddLevel(lists[i], map, ci.Height, ci.Width, options);
                if (level != 0) continue;
                regions[i] = ResidualRegion.Find(map, ci.Height, ci.Width);
                residuals[i] = map;
            }
        }
        if (options.IncludePeaks)
            for (int i = 0; i < n; i++)
                lists[i].Add(Math.Log(1 + PeakCount.Count(batch[i].Pixels, batch[i].Height, batch[i].Width, noise[i].Data)));
        if (options.IncludeNoiseLevel)
            for (int i = 0; i < n; i++)
                lists[i].Add(Math.Log(Math.Max(noise[i].ModelSpace, ScoreFeatureOptions.MinNoiseLevel)));
        return [.. lists.Select((l, i) => (l.ToArray(), regions[i], residuals[i]))];
    }

    private static readonly float[] SlopeProbes = [-1e-3f, 1e-3f];

    /// <summary>The transform's slope at x = 0 (the secant over [-1e-3, 1e-3]): model-space units per data unit near an empty background.</summary>
    private double SlopeAtZero()
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        var y = _transform.Forward(tensor(SlopeProbes, [1, 2])).to(float64).data<double>().ToArray();
        return Math.Abs(y[1] - y[0]) / 2e-3;
    }

    /// <summary>
    /// Each cutout's pixel noise std in x space (given, estimated from its background, or 0) and in model space: the
    /// secant of the transform over level ± sigma at the background level (for log1p about 10·sigma near 0).
    /// </summary>
    private (double Data, double ModelSpace)[] NoiseLevels(Cutout[] batch)
    {
        var result = new (double, double)[batch.Length];
        if (Options.Noise == NoiseMode.None) return result;
        var probes = new float[batch.Length * 2];
        for (int i = 0; i < batch.Length; i++)
        {
            var (level, sigma) = Options.Noise == NoiseMode.Given
                ? (BackgroundNoise.Estimate(batch[i].Pixels, batch[i].Height, batch[i].Width).Level, Options.NoiseSigma)
                : BackgroundNoise.Estimate(batch[i].Pixels, batch[i].Height, batch[i].Width);
            sigma = Math.Max(sigma, Options.NoiseFloor);
            result[i] = (sigma, 0);
            // The secant stays inside the transform's domain: for log1p, x > -1.
            var h = Math.Max(sigma, 1e-6);
            probes[2 * i] = (float)Math.Max(level - h, -0.5);
            probes[(2 * i) + 1] = (float)(Math.Max(level - h, -0.5) + (2 * h));
        }
        float[] mapped;
        using (var scope = NewDisposeScope())
        using (inference_mode())
            mapped = _transform.Forward(tensor(probes, [batch.Length, 2])).to(float64).to(float32).data<float>().ToArray();
        for (int i = 0; i < batch.Length; i++)
        {
            var h2 = probes[(2 * i) + 1] - (double)probes[2 * i];
            result[i].Item2 = h2 > 0 ? result[i].Item1 * Math.Abs(mapped[(2 * i) + 1] - mapped[2 * i]) / h2 : 0;
        }
        return result;
    }

    private void CheckCutout(Cutout c)
    {
        if (c.Height < 1 || c.Width < 1 || c.Pixels.Length != c.Height * c.Width)
            throw new CutoutScoringException(c.Id, $"holds {c.Pixels.Length} pixels for a declared {c.Height}x{c.Width} image");
        if (c.Height > ModelHeight || c.Width > ModelWidth)
            throw new CutoutScoringException(c.Id, $"is {c.Height}x{c.Width}, larger than the model's {ModelHeight}x{ModelWidth}; crop or resize it (larger cutouts are not tiled)");
        int bad = IndexOfNonFinite(c.Pixels);
        if (bad >= 0)
            throw new CutoutScoringException(c.Id, $"pixel (row {bad / c.Width}, col {bad % c.Width}) is {c.Pixels[bad]}; every pixel must be finite");
    }

    /// <summary>Runs the transform on each cutout alone to name the one outside its domain.</summary>
    private void ThrowForCutoutOutsideDomain(Cutout[] batch)
    {
        foreach (var c in batch)
        {
            using var scope = NewDisposeScope();
            var x = tensor(c.Pixels, [1, 1, c.Height, c.Width]); // device: CPU, a host-side check of the transform's domain
            try
            {
                _transform.Forward(x);
            }
            catch (ArgumentException e)
            {
                throw new CutoutScoringException(c.Id, $"outside the domain of the {_transform.Spec.Name} transform: {e.Message}");
            }
        }
    }

    /// <summary>
    /// Largest |y| in model space that is scored (100). The priors are trained on images normalised to peak 1
    /// (SCIENCE.md): y ≤ 6.9 under log1p, and the noise at any scoring t is below 1 in y units. A pixel of 1e30
    /// (y = 691 under log1p) was scored and ranked least anomalous because the chain rule divides by 1 + x; such a
    /// score says nothing, so the cutout is refused naming the pixel. 100 is x ≈ 22000 times the peak under log1p,
    /// and 100 times the peak (or 100 sigma) under the affine transforms.
    /// </summary>
    public const double MaxModelSpaceMagnitude = 100;

    /// <summary>Runs the transform on each cutout alone to name the first whose model-space values pass <see cref="MaxModelSpaceMagnitude"/>.</summary>
    private void ThrowForCutoutOutOfRange(Cutout[] batch)
    {
        foreach (var c in batch)
        {
            using var scope = NewDisposeScope();
            var y = _transform.Forward(tensor(c.Pixels, [1, 1, c.Height, c.Width])).to(float32).cpu().data<float>().ToArray();
            for (int k = 0; k < y.Length; k++)
            {
                if (Math.Abs(y[k]) <= MaxModelSpaceMagnitude) continue;
                throw new CutoutScoringException(c.Id,
                    $"pixel (row {k / c.Width}, col {k % c.Width}) is {c.Pixels[k]}, which the {_transform.Spec.Name} transform maps to {y[k]} in model space, "
                    + $"beyond ±{MaxModelSpaceMagnitude}: the prior was trained on images normalised to peak 1 and its score there would mean nothing; normalise the cutout");
            }
        }
        throw new InvalidOperationException("a batch left the model space but none of its cutouts did alone");
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int k = 0; k < values.Length; k++)
            if (!float.IsFinite(values[k])) return k;
        return -1;
    }

    /// <summary>
    /// The transform with its log-Jacobian option set as asked. Transforms with a "log_jacobian" parameter (log1p)
    /// are rebuilt with it; the others are affine, their log-Jacobian is constant and its gradient is zero.
    /// </summary>
    internal static IDataTransform WithLogJacobian(IDataTransform transform, bool include)
    {
        var spec = transform.Spec;
        if (!spec.Parameters.TryGetValue("log_jacobian", out var current) || (current != 0) == include) return transform;
        var parameters = new Dictionary<string, double>(spec.Parameters) { ["log_jacobian"] = include ? 1 : 0 };
        return DataTransforms.Create(spec with { Parameters = parameters });
    }
}
