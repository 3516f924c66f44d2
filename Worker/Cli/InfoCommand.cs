using System.CommandLine;
using System.Globalization;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Jobs.Training;

namespace ScoreBatch.Worker.Cli;

/// <summary>`scorebatch info CHECKPOINT`: prints what a checkpoint holds, after verifying it.</summary>
internal static class InfoCommand
{
    private static readonly Argument<string> Path = new("checkpoint") { Description = "A .ckpt file written by `scorebatch train` (or imported)" };

    public static Command Create()
    {
        var command = new Command("info", "Print a checkpoint's architecture, version, options, step, parameter count and transform.");
        command.Arguments.Add(Path);
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parse)
    {
        var path = parse.GetValue(Path)!;
        Checkpoint checkpoint;
        try
        {
            checkpoint = Checkpoint.Load(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"info: {e.Message}");
            return 2;
        }
        var h = checkpoint.Header;
        var m = h.Model;
        var lines = new List<(string, string)>
        {
            ("file", path),
            ("architecture", $"{h.Architecture} v{h.ArchitectureVersion}"),
            ("image size", $"{m.ImageSize}x{m.ImageSize}, {m.Channels} channel(s)"),
            ("options", m.Architecture == ScoreNetArchitectures.Ncsnpp
                ? $"nf {m.Nf}, channel multipliers ({string.Join(", ", m.NcsnppMultipliers())}), {m.ResBlocks} residual blocks per level, attention at {m.NcsnppAttentionResolution}x{m.NcsnppAttentionResolution}"
                : $"patch {m.PatchSize}, width {m.Width}, token MLP {m.TokenMlpWidth}, channel MLP {m.ChannelMlpWidth}, blocks {m.Blocks}"),
            ("noise process", h.Process is null ? $"{h.ProcessOrDefault} (not recorded: the released priors' default)" : h.Process.ToString()),
            ("parameters", h.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)),
            ("transform", h.Transform.ToString()),
            ("step", h.Step.ToString(CultureInfo.InvariantCulture)),
            ("optimizer state", h.Optimizer is null ? "none (model only)" : $"{h.Optimizer} ({h.OptimizerBytes:N0} bytes)"),
            ("weight average", h.EmaDecay is { } decay ? $"EMA decay {decay} ({h.EmaBytes:N0} bytes; scoring and export use it)" : "none"),
        };
        if (h.Trainer is { } t)
            lines.Add(("trainer", $"{t.Optimizer} lr {t.LearningRate}, batch {t.BatchSize}, {t.Steps} steps, seed {t.Seed}, time sampling {t.TimeSampling}, precision {t.PrecisionName}"
                + (t.WarmupSteps > 0 ? $", warm-up {t.WarmupSteps} steps" : "") + (t.GradientClipNorm > 0 ? $", gradient clip {t.GradientClipNorm}" : "")
                + (t.EmaDecay > 0 ? $", EMA {t.EmaDecay}" : "")));
        if (h.LossTail.Count > 0)
        {
            var tail = h.LossTail.TakeLast(Math.Min(100, h.LossTail.Count)).ToArray();
            lines.Add(("loss (last steps)", $"{tail.Average():F5} mean of the last {tail.Length} steps"));
        }
        lines.Add(("written", h.CreatedUtc.ToString("u", CultureInfo.InvariantCulture)));
        lines.Add(("payload sha256", h.PayloadSha256));
        var width = lines.Max(l => l.Item1.Length);
        foreach (var (key, value) in lines) Console.WriteLine($"{key.PadRight(width)}  {value}");
        return 0;
    }
}
