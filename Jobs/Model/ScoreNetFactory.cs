using TorchSharp;

namespace ScoreBatch.Jobs.Model;

/// <summary>The one place that maps options to a network. Throws on an unknown architecture name.</summary>
public static class ScoreNetFactory
{
    /// <summary>
    /// Builds a freshly initialised network on the CPU (move it with <c>.to(device)</c>). Initial weights come from
    /// <paramref name="generator"/> when given (reproducible whatever else runs in the process), else from torch's
    /// global generator.
    /// </summary>
    public static ScoreNet Create(ScoreNetOptions options, torch.Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Architecture switch
        {
            ScoreNetArchitectures.Mixer => new MixerScoreNet(options, generator),
            ScoreNetArchitectures.Ncsnpp => new Ncsnpp.NcsnppScoreNet(options, generator),
            _ => throw new ArgumentException(
                $"ScoreNetOptions.Architecture: unknown architecture '{options.Architecture}' (known: {string.Join(", ", ScoreNetArchitectures.Names)})"),
        };
    }

    /// <summary>Number of trainable scalars.</summary>
    public static long ParameterCount(torch.nn.Module module) =>
        module.parameters().Sum(p => p.numel());
}
