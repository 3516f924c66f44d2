using System.Text.Json;
using ScoreBatch.Jobs.Evaluation;
using ScoreBatch.Jobs.Synthetic;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Worker.Cli;

namespace ScoreBatch.Worker.Tests.Cli;

public sealed class EvaluationCommandsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("eval-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private DirectoryInfo Sub(string name) => new(Path.Combine(_dir.FullName, name));

    /// <summary>The ids `scorebatch score --input folder` gives the folder's cutouts.</summary>
    private static HashSet<string> ScoredIds(DirectoryInfo folder, DirectoryInfo scoresOut) =>
        ScoreCommand.ListInputs(folder, scoresOut).SelectMany(f => CutoutReader.Read(f.Relative, File.ReadAllBytes(f.Path)).Select(c => c.Id)).ToHashSet();

    [Fact]
    public void Synth_NoisyTwoKindsStack_LabelsNameEveryPlaneAsScoreWillWithItsArtifact()
    {
        var output = Sub("syn");
        var options = SersicGalaxyOptions.ForSize(16) with { Oversample = 2, Noise = new ObservationNoise(10, 1000) };
        Assert.Equal(0, SynthCommand.Run(output, options, 40, 3, [ArtifactKind.Ring, ArtifactKind.Companion], 0.5, stack: true, CancellationToken.None));
        var labels = LabelsCsv.Parse(File.ReadAllText(Path.Combine(output.FullName, SynthCommand.LabelsFile)), "labels.csv");
        Assert.Equal(ScoredIds(output, Sub("scores")), labels.Select(l => l.Id).ToHashSet());
        var manifest = CsvTable.Parse(File.ReadAllText(Path.Combine(output.FullName, "manifest.csv")), "manifest.csv");
        int artifact = manifest.IndexOf("artifact"), snr = manifest.IndexOf("snr");
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(manifest.Rows[i][artifact], labels[i].Kind);        // "none", "ring" or "companion"
            Assert.Equal(labels[i].Kind != "none", labels[i].Positive);
            Assert.InRange(double.Parse(manifest.Rows[i][snr], System.Globalization.CultureInfo.InvariantCulture), 10, 1000);
        }
        Assert.Equal(["none", "companion", "ring"], labels.Select(l => l.Kind).Distinct().OrderBy(k => k == "none" ? 0 : 1).ThenBy(k => k, StringComparer.Ordinal));
    }

    [Fact]
    public void Synth_NoisyPairs_CleanAndTwinFoldersLabelledAndSharingTheNoise()
    {
        // 6 galaxies, twins ring, companion in turn: 12 files, 6 positives; a twin minus its clean galaxy is 0 at the
        // corner (the same noise realisation, no artifact light that far out).
        var output = Sub("pairs");
        var options = SersicGalaxyOptions.ForSize(32) with { Noise = new ObservationNoise(30, 30) };
        Assert.Equal(0, SynthCommand.Run(output, options, 6, 1, [ArtifactKind.Ring, ArtifactKind.Companion], 0.5, stack: false, CancellationToken.None, pairs: true));
        var labels = LabelsCsv.Parse(File.ReadAllText(Path.Combine(output.FullName, SynthCommand.LabelsFile)), "labels.csv");
        Assert.Equal(ScoredIds(output, Sub("scores")), labels.Select(l => l.Id).ToHashSet());
        Assert.Equal(["ring", "companion", "ring", "companion", "ring", "companion"], labels.Where(l => l.Positive).Select(l => l.Kind));
        Assert.All(labels.Where(l => l.Positive), l => Assert.StartsWith("twins/", l.Id, StringComparison.Ordinal));
        float[] Read(string id) => CutoutReader.Read(id, File.ReadAllBytes(Path.Combine(output.FullName, id)))[0].Pixels;
        Assert.Equal(Read("clean/galaxy-000002.npy")[0], Read("twins/galaxy-000002.npy")[0]);
        Assert.NotEqual(Read("clean/galaxy-000002.npy"), Read("twins/galaxy-000002.npy"));
    }

    [Fact]
    public void Synth_NoArtifacts_NoLabelsFile()
    {
        var output = Sub("clean");
        Assert.Equal(0, SynthCommand.Run(output, SersicGalaxyOptions.ForSize(16) with { Oversample = 2 }, 3, 1, [], 0.5, stack: false, CancellationToken.None));
        Assert.False(File.Exists(Path.Combine(output.FullName, SynthCommand.LabelsFile)));
    }

    [Fact]
    public void Inject_RealLikeCutoutsInTheirOwnUnits_CleanCopiesKindCopiesAndLabelsScoreCanMatch()
    {
        // Two files: a stack of two galaxies at 50 counts peak and one at 3; the copies keep those units.
        var input = Directory.CreateDirectory(Path.Combine(_dir.FullName, "real"));
        var generator = new SersicGalaxyGenerator(SersicGalaxyOptions.ForSize(32));
        var stack = generator.Generate(1).Pixels.Select(v => v * 50).Concat(generator.Generate(2).Pixels.Select(v => v * 50)).ToArray();
        using (var f = File.Create(Path.Combine(input.FullName, "field.npy"))) Npy.Write(f, stack, [2, 32, 32]);
        var single = generator.Generate(3).Pixels.Select(v => v * 3).ToArray();
        using (var f = File.Create(Path.Combine(input.FullName, "one.npy"))) Npy.Write(f, single, [32, 32]);
        var output = Sub("injected");
        var log = new StringWriter();
        Assert.Equal(0, InjectCommand.Run(input, output, [ArtifactKind.Ring, ArtifactKind.Companion], 7, 2.0, log));

        var labels = LabelsCsv.Parse(File.ReadAllText(Path.Combine(output.FullName, SynthCommand.LabelsFile)), "labels.csv");
        Assert.Equal(9, labels.Count); // 3 cutouts x (clean, ring, companion)
        Assert.Equal(ScoredIds(output, Sub("scores")), labels.Select(l => l.Id).ToHashSet());
        Assert.Contains(labels, l => l.Id == "ring/field_1.npy" && l.Positive && l.Kind == "ring");
        float[] Read(string id) => CutoutReader.Read(id, File.ReadAllBytes(Path.Combine(output.FullName, id)))[0].Pixels;
        Assert.Equal(single, Read("clean/one.npy"));                    // the clean copy is the input, bit for bit
        var ring = Read("ring/one.npy");
        Assert.True(ring.Max() <= 3f * 1.000001f, $"max {ring.Max()}");   // scaled back to the cutout's units
        Assert.True(ring.Zip(single).Sum(p => p.First - p.Second) > 0.5f); // a ring of 0.15-0.35 of the peak over ~60 px adds flux
        Assert.Equal(CutoutInjection.Inject(new RingInjector(), "one.npy", single, 32, 32, InjectCommand.ArtifactSeed(7, 2, ArtifactKind.Ring)).Pixels, ring);
    }

    [Fact]
    public void Inject_NonSquareCutout_FailsNamingIt()
    {
        var input = Directory.CreateDirectory(Path.Combine(_dir.FullName, "odd"));
        using (var f = File.Create(Path.Combine(input.FullName, "wide.npy"))) Npy.Write(f, Enumerable.Repeat(1f, 16 * 24).ToArray(), [16, 24]);
        var log = new StringWriter();
        Assert.Equal(2, InjectCommand.Run(input, Sub("out"), [ArtifactKind.Ring], 0, 2.0, log));
        Assert.Contains("wide.npy is 16x24", log.ToString(), StringComparison.Ordinal);
    }

    /// <summary>summary.csv and labels.csv in the test folder, as `score` and `inject` would leave them.</summary>
    private (FileInfo Summary, FileInfo Labels) WriteSummaryAndLabels(string summaryCsv, string labelsCsv)
    {
        var summary = new FileInfo(Path.Combine(_dir.FullName, "summary.csv"));
        var labels = new FileInfo(Path.Combine(_dir.FullName, "labels.csv"));
        File.WriteAllText(summary.FullName, summaryCsv);
        File.WriteAllText(labels.FullName, labelsCsv);
        return (summary, labels);
    }

    [Fact]
    public void Evaluate_SummaryAndLabels_TableJsonAndRocPng()
    {
        var (summary, labels) = WriteSummaryAndLabels("id,max_abs_score,mean_abs_score,flux_outside,peaks\na,1,1,0.1,1\nb,2,1,0.2,1\nc,3,1,0.3,2\nd,4,0,0.4,3\n",
            "id,label,kind\na,0,none\nb,0,none\nc,1,ring\nd,1,companion\n");
        var table = new StringWriter();
        var roc = new FileInfo(Path.Combine(_dir.FullName, "plots", "roc.png"));
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, null, roc, json: false, table, TextWriter.Null));
        // max_abs_score puts both artifacts above both clean cutouts: AUC 1; mean_abs_score ranks d below the clean
        // ones and ties c with them: (1/2 + 1/2 + 0 + 0) / 4 = 0.25.
        Assert.Matches(@"max_abs_score\s+all\s+2\s+2\s+1\.000", table.ToString());
        Assert.Matches(@"mean_abs_score\s+all\s+2\s+2\s+0\.250", table.ToString());
        Assert.True(roc.Exists && roc.Length > 1000);
        var json = new StringWriter();
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, ["peaks"], null, json: true, json, TextWriter.Null));
        var metrics = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("metrics");
        Assert.Equal(3, metrics.GetArrayLength()); // peaks only: all, companion, ring
        Assert.Equal(1.0, metrics[0].GetProperty("auc").GetDouble());
        var log = new StringWriter();
        Assert.Equal(2, EvaluateCommand.Run(new FileInfo(summary.FullName + ".missing"), labels, null, null, false, TextWriter.Null, log));
        Assert.Contains("summary.csv.missing does not exist", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_Bins_TablePerBinAndJsonBins_BadSpecNamesTheFlag()
    {
        // Low noise: the ring c scores above both clean cutouts; high noise: the ring f below both.
        var (summary, labels) = WriteSummaryAndLabels("id,max_abs_score,noise_sigma\na,1,0.01\nb,2,0.01\nc,3,0.01\nd,5,0.5\ne,6,0.5\nf,4,0.5\n",
            "id,label,kind\na,0,none\nb,0,none\nc,1,ring\nd,0,none\ne,0,none\nf,1,ring\n");
        var table = new StringWriter();
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, null, null, json: false, table, TextWriter.Null, "noise_sigma:0.1"));
        var text = table.ToString();
        Assert.Matches(@"\n\s+ring\s+2\s+4\s+0\.500\s", text); // pooled: c (3) and f (4) each above a and b only, 4 of 8 pairs
        Assert.Contains("noise_sigma < 0.1: 3 labelled cutouts: 2 clean, 1 ring\n", text, StringComparison.Ordinal);
        Assert.Contains("noise_sigma >= 0.1: 3 labelled cutouts: 2 clean, 1 ring\n", text, StringComparison.Ordinal);
        Assert.Matches(@"noise_sigma < 0\.1:[^\n]*\n[^\n]*\nmax_abs_score\s+all\s+1\s+2\s+1\.000", text);
        Assert.Matches(@"noise_sigma >= 0\.1:[^\n]*\n[^\n]*\nmax_abs_score\s+all\s+1\s+2\s+0\.000", text);
        var json = new StringWriter();
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, null, null, json: true, json, TextWriter.Null, "noise_sigma:0.1"));
        var bins = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("bins");
        Assert.Equal(2, bins.GetArrayLength());
        Assert.Equal("noise_sigma < 0.1", bins[0].GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, bins[0].GetProperty("lower").ValueKind);
        Assert.Equal(0.1, bins[1].GetProperty("lower").GetDouble());
        Assert.Equal(0.0, bins[1].GetProperty("metrics")[0].GetProperty("auc").GetDouble());
        // The ROC PNG: the pooled row (all, ring), then one row per bin.
        var roc = new FileInfo(Path.Combine(_dir.FullName, "roc-bins.png"));
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, null, roc, json: false, TextWriter.Null, TextWriter.Null, "noise_sigma:0.1"));
        using (var png = SkiaSharp.SKBitmap.Decode(roc.FullName))
        {
            Assert.Equal(2 * RocPlot.PanelSize, png.Width);
            Assert.Equal(3 * RocPlot.PanelSize, png.Height);
        }
        var log = new StringWriter();
        Assert.Equal(2, EvaluateCommand.Run(summary, labels, null, null, false, TextWriter.Null, log, "noise_sigma:0.5,0.1"));
        Assert.Contains("evaluate: --bins: edges must increase", log.ToString(), StringComparison.Ordinal);
        log = new StringWriter();
        Assert.Equal(2, EvaluateCommand.Run(summary, labels, null, null, false, TextWriter.Null, log, "snr:10"));
        Assert.Contains("summary.csv: no 'snr' column", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_List_FalsePositivesAndMissesOfTheFirstColumn_TableAndJson()
    {
        var (summary, labels) = WriteSummaryAndLabels("id,anomaly,flux_outside\na,1,0.9\nb,7,0.1\nc,3,0.2\nd,8,0.3\ne,2,0.4\n",
            "id,label,kind\na,0,none\nb,0,none\nc,1,ring\nd,1,ring\ne,1,companion\n");
        var table = new StringWriter();
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, null, null, json: false, table, TextWriter.Null, list: 1));
        Assert.Contains("anomaly: the 1 highest-scoring clean cutouts (false positives first)\n  none  b  7\n", table.ToString(), StringComparison.Ordinal);
        Assert.Contains("anomaly: the 1 lowest-scoring companion cutouts (misses first)\n  companion  e  2\n", table.ToString(), StringComparison.Ordinal);
        Assert.Contains("anomaly: the 1 lowest-scoring ring cutouts (misses first)\n  ring  c  3\n", table.ToString(), StringComparison.Ordinal);
        var json = new StringWriter();
        Assert.Equal(0, EvaluateCommand.Run(summary, labels, ["flux_outside"], null, json: true, json, TextWriter.Null, list: 2));
        var extremes = JsonDocument.Parse(json.ToString()).RootElement.GetProperty("extremes");
        Assert.Equal("flux_outside", extremes.GetProperty("column").GetString());
        Assert.Equal("a", extremes.GetProperty("highest_clean")[0].GetProperty("id").GetString());
        Assert.Equal(0.9, extremes.GetProperty("highest_clean")[0].GetProperty("value").GetDouble());
        Assert.Equal(["c", "d"], extremes.GetProperty("lowest_artifacts").GetProperty("ring").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public void DemoPrintAuc_SummaryWithAnomalyColumn_PrefersItAndListsTheBaselines()
    {
        // anomaly ranks the artifacts (c, d) first: AUC 1; max_abs_score would give 0 and is not the one printed.
        var summary = new FileInfo(Path.Combine(_dir.FullName, "s.csv"));
        var labels = new FileInfo(Path.Combine(_dir.FullName, "l.csv"));
        File.WriteAllText(summary.FullName, "id,max_abs_score,flux_outside,peaks,anomaly\na,9,0.1,1,0.1\nb,8,0.3,1,0.2\nc,1,0.2,2,0.9\nd,2,0.4,1,0.8\n");
        File.WriteAllText(labels.FullName, "id,label,kind\na,0,none\nb,0,none\nc,1,companion\nd,1,companion\n");
        var output = new StringWriter();
        DemoCommand.PrintAuc(summary, labels, output);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("demo: ROC AUC of anomaly, 2 artifacts vs 2 clean cutouts: 1.000 (TPR 1.00 at 5 % FPR)", lines[0]);
        Assert.Equal("demo:   no-model baseline flux_outside: ROC AUC 0.750", lines[1]); // pairs (0.2,0.1) (0.4,0.1) (0.4,0.3) of 4
        Assert.Equal("demo:   no-model baseline peaks: ROC AUC 0.750", lines[2]);        // c above both, d ties both: (2 + 1/2 + 1/2) / 4
    }

    [Fact]
    public void ParseKinds_ListsNoneAndMistakes_KindsOrErrorsNamingTheName()
    {
        Assert.Equal([ArtifactKind.Ring, ArtifactKind.Companion], SynthCommand.ParseKinds("ring, Companion,ring"));
        Assert.Empty(SynthCommand.ParseKinds("none"));
        Assert.Contains("'none' cannot be combined", Assert.Throws<ArgumentException>(() => SynthCommand.ParseKinds("none,ring")).Message, StringComparison.Ordinal);
        var e = Assert.Throws<ArgumentException>(() => SynthCommand.ParseKinds("ring,bogus"));
        Assert.Equal("unknown artifact 'bogus'; expected none, ring, companion, hotpixel, streak", e.Message);
    }
}
