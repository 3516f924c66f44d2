namespace ScoreBatch.Jobs.Transforms;

/// <summary>The one factory from a <see cref="DataTransformSpec"/> (or a CLI name) to a transform.</summary>
public static class DataTransforms
{
    public const string Log1p = "log1p";
    public const string Identity = "identity";
    public const string Standardize = "standardize";

    /// <summary>Known names, for help texts and validation.</summary>
    public static IReadOnlyList<string> Names { get; } = [Log1p, Identity, Standardize];

    public static IDataTransform Create(DataTransformSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Name switch
        {
            Log1p => new Log1pTransform(
                Get(spec, "scale", Log1pTransform.DefaultScale),
                Get(spec, "log_jacobian", 0) != 0),
            Identity => new IdentityTransform(),
            Standardize => new StandardizeTransform(Require(spec, "mean"), Require(spec, "std")),
            _ => throw new ArgumentException($"transform.name: unknown transform '{spec.Name}' (known: {string.Join(", ", Names)})"),
        };
    }

    /// <summary>A transform from a bare name with its default parameters (log1p, identity).</summary>
    public static IDataTransform Create(string name) => name switch
    {
        Log1p => new Log1pTransform(),
        Identity => new IdentityTransform(),
        Standardize => throw new ArgumentException($"transform '{Standardize}' needs mean and std; build it with StandardizeTransform(mean, std)"),
        _ => throw new ArgumentException($"transform: unknown transform '{name}' (known: {string.Join(", ", Names)})"),
    };

    private static double Get(DataTransformSpec spec, string key, double fallback) =>
        spec.Parameters.TryGetValue(key, out var v) ? v : fallback;

    private static double Require(DataTransformSpec spec, string key) =>
        spec.Parameters.TryGetValue(key, out var v)
            ? v
            : throw new ArgumentException($"transform.parameters.{key}: required by '{spec.Name}' but missing");
}
