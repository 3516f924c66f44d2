using System.Globalization;
using System.Text;

namespace ScoreBatch.Jobs.Training;

/// <summary>
/// The per-step training loss of a run, as loss.csv ("step,loss", one row per step, ascending). On resume the rows
/// after the checkpoint's step are dropped, since those steps run again: the curve never has a gap or a duplicate.
/// </summary>
public sealed class LossHistory
{
    private readonly List<long> _steps = [];
    private readonly List<double> _losses = [];

    public IReadOnlyList<long> Steps => _steps;

    public IReadOnlyList<double> Losses => _losses;

    /// <summary>Appends the loss of <paramref name="step"/>, which must follow the last one.</summary>
    public void Add(long step, double loss)
    {
        if (_steps.Count > 0 && step != _steps[^1] + 1)
            throw new InvalidOperationException($"loss history: step {step} does not follow step {_steps[^1]}");
        _steps.Add(step);
        _losses.Add(loss);
    }

    /// <summary>Drops every row after <paramref name="step"/>.</summary>
    public void TruncateAfter(long step)
    {
        var keep = _steps.FindIndex(s => s > step);
        if (keep < 0) return;
        _steps.RemoveRange(keep, _steps.Count - keep);
        _losses.RemoveRange(keep, _losses.Count - keep);
    }

    /// <summary>The CSV text ("step,loss" header, round-trippable numbers).</summary>
    public string ToCsv()
    {
        var sb = new StringBuilder("step,loss\n", 16 + _steps.Count * 24);
        for (var i = 0; i < _steps.Count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"{_steps[i]},{_losses[i]:R}\n");
        return sb.ToString();
    }

    /// <summary>Parses loss.csv; <paramref name="source"/> names it in errors.</summary>
    public static LossHistory Parse(string csv, string source)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var history = new LossHistory();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || lines[0] != "step,loss")
            throw new InvalidDataException($"{source}: expected a 'step,loss' header");
        for (var i = 1; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            if (parts.Length != 2
                || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var step)
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var loss))
                throw new InvalidDataException($"{source}: line {i + 1} is not 'step,loss': '{lines[i]}'");
            history.Add(step, loss);
        }
        return history;
    }
}
