using ScoreBatch.Worker.Hosting;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// Rewrites a range error from an options record ("TrainerOptions.BatchSize must be positive, got 0", or an
/// ArgumentOutOfRangeException for parameter 'T' with "Actual value was 5." on a second line) as one line naming the
/// command-line flag the value came from ("--batch must be positive, got 0").
/// </summary>
internal static class FlagErrors
{
    /// <summary>Option properties (as "Record.Property" or a parameter name) and the flag that sets each.</summary>
    public static IReadOnlyDictionary<string, string> Train { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["TrainerOptions.Steps"] = "--steps",
        ["TrainerOptions.BatchSize"] = "--batch",
        ["TrainerOptions.LearningRate"] = "--lr",
        ["TrainerOptions.Optimizer"] = "--optimizer",
        ["TrainerOptions.CheckpointEvery"] = "--checkpoint-every",
        ["TrainerOptions.LogEvery"] = "--log-every",
        ["ScoreNetOptions.ImageSize"] = "--size",
        ["ScoreNetOptions.Width"] = "--width",
        ["ScoreNetOptions.Blocks"] = "--blocks",
        ["ScoreNetOptions.TokenMlpWidth"] = "--mlp-width",
        ["ScoreNetOptions.ChannelMlpWidth"] = "--mlp-width",
    };

    public static IReadOnlyDictionary<string, string> Score { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["T"] = "--t",
        ["BatchSize"] = "--batch",
        ["Threshold"] = "--threshold",
        ["k"] = "--previews",
    };

    /// <summary>One line naming the flag when the error is about one in <paramref name="flags"/>; else the first line of the message.</summary>
    public static string Describe(Exception e, IReadOnlyDictionary<string, string> flags)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(flags);
        var text = OneLineConsoleFormatter.FirstLine(e.Message);
        if (e is ArgumentException { ParamName: { } parameter })
        {
            text = text.Replace($" (Parameter '{parameter}')", "", StringComparison.Ordinal);
            if (flags.TryGetValue(parameter, out var flag))
            {
                var bare = flag.TrimStart('-');
                // "t must be ..." -> "--t must be ..."; "previews: K must be ..." -> "--previews: K must be ...".
                return text.StartsWith(bare + " ", StringComparison.Ordinal) || text.StartsWith(bare + ":", StringComparison.Ordinal)
                    ? flag + text[bare.Length..]
                    : $"{flag}: {text}";
            }
        }
        foreach (var (property, flag) in flags)
        {
            if (text.StartsWith(property + " ", StringComparison.Ordinal)) return flag + text[property.Length..];
        }
        return text;
    }
}
