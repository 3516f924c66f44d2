using TorchSharp;

namespace ScoreBatch.Jobs.Model;

/// <summary>The one place that maps options to a network. Throws on an unknown architecture name.</summary>
public static class ScoreNetFactory
{
    /// <summary>Builds a freshly initialised network on the CPU (move it with <c>.to(device)</c>).</summary>
    public static ScoreNet Create(ScoreNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return options.Architecture switch
        {
            ScoreNetArchitectures.Mixer => new MixerScoreNet(options),
            _ => throw new ArgumentException(
                $"ScoreNetOptions.Architecture: unknown architecture '{options.Architecture}' (known: {ScoreNetArchitectures.Mixer})"),
        };
    }

    /// <summary>Number of trainable scalars.</summary>
    public static long ParameterCount(torch.nn.Module module) =>
        module.parameters().Sum(p => p.numel());
}
