using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ScoreBatch.Worker.Cli;

/// <summary>
/// A duration flag read as seconds ("120", "1.5") or hh:mm:ss ("00:02:00"), and refused unless positive:
/// TimeSpan's own parser reads "-1" as minus one day and "2" as two days.
/// </summary>
internal static class DurationOption
{
    public static Option<TimeSpan> Create(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => Parse(name, r),
    };

    private static TimeSpan Parse(string name, ArgumentResult r)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        if (TryParse(text) is { } value) return value;
        r.AddError($"{name} must be a positive duration, in seconds (120) or as hh:mm:ss (00:02:00), got '{text}'");
        return default;
    }

    /// <summary>The duration, or null when the text is neither positive seconds nor a positive hh:mm:ss.</summary>
    internal static TimeSpan? TryParse(string text)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
            return double.IsFinite(seconds) && seconds > 0 && seconds <= TimeSpan.MaxValue.TotalSeconds / 2 ? TimeSpan.FromSeconds(seconds) : null;
        return text.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : null;
    }
}
