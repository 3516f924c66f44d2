using System.CommandLine;
using ScoreBatch.Jobs.Evaluation;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// `scorebatch evaluate --summary summary.csv --labels labels.csv`: how well each score column of a scoring run
/// separates artifacts from clean cutouts (ROC AUC, TPR at 1 % and 5 % FPR, per artifact kind and overall), as a
/// table or JSON, optionally with the ROC curves as a PNG.
/// </summary>
public static class EvaluateCommand
{
    public static Command Create()
    {
        var summary = new Option<FileInfo>("--summary") { Description = "summary.csv written by `scorebatch score` or a score job.", Required = true };
        var labels = new Option<FileInfo>("--labels") { Description = "labels.csv (id,label,kind) as `synth` and `inject` write it.", Required = true };
        var columns = new Option<string?>("--columns") { Description = $"Comma-separated score columns (default: those of {string.Join(", ", DetectionEvaluator.ScoreColumns)} that are present)." };
        var roc = new Option<FileInfo?>("--roc") { Description = "Also draw the ROC curves into this PNG (one panel per artifact kind; with --bins, a row per bin below)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of the table." };
        var bins = new Option<string?>("--bins")
        {
            Description = "Also give the figures within bins of one summary column, COLUMN:EDGE[,EDGE...] (e.g. noise_sigma:0.0333,0.1: "
                + "peak S/N above 30, 10-30 and below 10 for max-normalised cutouts).",
        };
        var list = new Option<int>("--list")
        {
            Description = "Also list the N clean cutouts the first column ranks highest (false positives) and the N artifacts of each kind it ranks lowest (misses).",
        };
        list.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var n and < 0) r.AddError($"--list must be 0 or more, got {n}");
        });
        var command = new Command("evaluate", "ROC AUC and TPR at 1 %/5 % FPR of each summary score column against a labels file, per artifact kind.")
        {
            summary, labels, columns, roc, json, bins, list,
        };
        command.SetAction(parse => Run(parse.GetRequiredValue(summary), parse.GetRequiredValue(labels),
            parse.GetValue(columns)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            parse.GetValue(roc), parse.GetValue(json), Console.Out, Console.Error, parse.GetValue(bins), parse.GetValue(list)));
        return command;
    }

    internal static int Run(FileInfo summary, FileInfo labels, IReadOnlyList<string>? columns, FileInfo? roc, bool json, TextWriter output, TextWriter log,
        string? bins = null, int list = 0)
    {
        try
        {
            var binSpec = bins is null ? default : EvaluationBins.Parse(bins);
            var (table, truth) = Read(summary, labels);
            var evaluator = new DetectionEvaluator(table, truth, columns);
            var metrics = evaluator.Evaluate();
            var binned = bins is null ? null : EvaluationBins.Split(table, truth, binSpec.Column, binSpec.Edges)
                .Select(b =>
                {
                    var e = new DetectionEvaluator(table, b.Labels, evaluator.Columns);
                    return (b, e, e.Evaluate());
                }).ToArray();
            var extremes = list > 0 ? evaluator.Extremes(evaluator.Columns[0], list) : null;
            if (json)
            {
                output.Write(EvaluationReport.ToJson(evaluator, metrics, binned, extremes) + "\n");
            }
            else
            {
                output.Write(EvaluationReport.FormatTable(evaluator, metrics));
                foreach (var (b, e, m) in binned ?? []) output.Write("\n" + EvaluationReport.FormatTable(e, m, b.Label));
                if (extremes is not null) output.Write("\n" + EvaluationReport.FormatExtremes(extremes));
            }
            if (roc is not null)
            {
                if (roc.Directory is { } dir) Directory.CreateDirectory(dir.FullName);
                File.WriteAllBytes(roc.FullName, RocPlot.Render(evaluator, binned?.Select(b => (b.b.Label, b.e)).ToArray()));
                log.WriteLine($"evaluate: ROC curves in {roc.FullName}");
            }
            return 0;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            log.WriteLine($"evaluate: {e.Message}");
            return 2;
        }
    }

    /// <summary>Reads both files (errors name them) and joins them by cutout id.</summary>
    internal static DetectionEvaluator Load(FileInfo summary, FileInfo labels, IReadOnlyList<string>? columns = null)
    {
        var (table, truth) = Read(summary, labels);
        return new DetectionEvaluator(table, truth, columns);
    }

    private static (CsvTable Summary, IReadOnlyList<DetectionLabel> Labels) Read(FileInfo summary, FileInfo labels)
    {
        foreach (var f in new[] { summary, labels })
        {
            if (!f.Exists) throw new IOException($"{f.FullName} does not exist");
        }
        return (CsvTable.Parse(File.ReadAllText(summary.FullName), summary.Name), LabelsCsv.Parse(File.ReadAllText(labels.FullName), labels.Name));
    }
}
