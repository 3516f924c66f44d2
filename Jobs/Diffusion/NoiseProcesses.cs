using System.Globalization;

namespace ScoreBatch.Jobs.Diffusion;

/// <summary>
/// The one factory from a <see cref="NoiseProcessSpec"/> to a process. A new process is a class implementing
/// <see cref="INoiseProcess"/> and one entry in <see cref="Registry"/> (its name, parameters with defaults, builder).
/// </summary>
public static class NoiseProcesses
{
    public const string Vp = "vp";

    public const string Ve = "ve";

    private sealed record Entry(IReadOnlyDictionary<string, double> Defaults, Func<IReadOnlyDictionary<string, double>, INoiseProcess> Build);

    private static readonly Dictionary<string, Entry> Registry = new(StringComparer.Ordinal)
    {
        // Released galaxy priors: VP with beta = 1 and T = 10 (SCIENCE.md 2).
        [Vp] = new(new Dictionary<string, double> { ["beta"] = 1.0, ["T"] = 10.0 }, p => new VpProcess(p["beta"], p["T"])),
        // NCSN++'s VE SDE (SCIENCE.md 2): sigma_max 50 unless given or measured on the training set (VeSigmaMax).
        [Ve] = new(new Dictionary<string, double> { ["sigma_min"] = 0.01, ["sigma_max"] = 50.0, ["T"] = 1.0 },
            p => new VeProcess(p["sigma_min"], p["sigma_max"], p["T"])),
    };

    /// <summary>Known names, for help texts and validation.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Registry.Keys];

    /// <summary>VP, beta = 1, T = 10: what checkpoints without a recorded process and imported .eqx priors mean.</summary>
    public static NoiseProcessSpec Default { get; } = Vp10();

    /// <summary>VP with beta = 1 and end time <paramref name="t"/> (the released recipe has T = 10).</summary>
    public static NoiseProcessSpec Vp10(double t = 10.0) =>
        new(Vp, new Dictionary<string, double> { ["beta"] = 1.0, ["T"] = t });

    /// <summary>VE with sigma_min 0.01, T = 1 and the given <paramref name="sigmaMax"/> (the ncsnpp recipe).</summary>
    public static NoiseProcessSpec Ve1(double sigmaMax = 50.0) =>
        new(Ve, new Dictionary<string, double> { ["sigma_min"] = 0.01, ["sigma_max"] = sigmaMax, ["T"] = 1.0 });

    /// <summary>Builds the process; unknown names or parameters throw naming them and the known ones.</summary>
    public static INoiseProcess Create(NoiseProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Registry.TryGetValue(spec.Name, out var entry))
            throw new ArgumentException($"process.name: unknown noise process '{spec.Name}' (known: {string.Join(", ", Names)})");
        var parameters = new Dictionary<string, double>(entry.Defaults, StringComparer.Ordinal);
        foreach (var (key, value) in spec.Parameters)
        {
            if (!entry.Defaults.ContainsKey(key))
                throw new ArgumentException($"process.parameters.{key}: '{spec.Name}' has no parameter '{key}' (known: {string.Join(", ", entry.Defaults.Keys)})");
            parameters[key] = value;
        }
        return entry.Build(parameters);
    }

    /// <summary>
    /// Parses "vp" or "vp(beta=1, T=10)" (the form <see cref="NoiseProcessSpec.ToString"/> writes); parameters not
    /// given take their defaults. Errors name <paramref name="field"/>.
    /// </summary>
    public static NoiseProcessSpec Parse(string text, string field = "process")
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        var open = s.IndexOf('(', StringComparison.Ordinal);
        var name = open < 0 ? s : s[..open].Trim();
        if (!Registry.TryGetValue(name, out var entry))
            throw new ArgumentException($"{field}: unknown noise process '{name}' (known: {string.Join(", ", Names)})");
        var parameters = new Dictionary<string, double>(entry.Defaults, StringComparer.Ordinal);
        if (open >= 0)
        {
            if (!s.EndsWith(')'))
                throw new ArgumentException($"{field}: '{text}' must look like {name}(key=value, ...)");
            foreach (var part in s[(open + 1)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                var key = eq < 0 ? part : part[..eq].Trim();
                if (eq < 0 || !double.TryParse(part[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    throw new ArgumentException($"{field}: '{part}' must be key=number");
                if (!entry.Defaults.ContainsKey(key))
                    throw new ArgumentException($"{field}: '{name}' has no parameter '{key}' (known: {string.Join(", ", entry.Defaults.Keys)})");
                parameters[key] = value;
            }
        }
        var spec = new NoiseProcessSpec(name, parameters);
        try
        {
            Create(spec);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{field}: {e.Message}", e);
        }
        return spec;
    }
}
