using Microsoft.Extensions.DependencyInjection;
using ScoreBatch.Jobs.Contracts;

namespace ScoreBatch.Worker.Runner;

/// <summary>A handler type added with services.AddJobHandler&lt;THandler&gt;() (the worker host's registration extension).</summary>
public sealed record JobHandlerRegistration(Type HandlerType);

/// <summary>
/// All job kinds in one place: maps each kind string to its handler type. Built when the host starts; a kind
/// outside the contract, a kind registered twice, or no handler at all stops the start with a message.
/// Handlers are resolved per message from that message's DI scope.
/// </summary>
public sealed class JobHandlerRegistry
{
    private readonly Dictionary<string, Type> _byKind = new(StringComparer.Ordinal);

    public JobHandlerRegistry(IEnumerable<JobHandlerRegistration> registrations, IServiceScopeFactory scopes)
    {
        using var scope = scopes.CreateScope();
        foreach (var r in registrations)
        {
            var handler = (IJobHandler)scope.ServiceProvider.GetRequiredService(r.HandlerType);
            var kind = handler.Kind;
            if (!JobKinds.All.Contains(kind))
                throw new InvalidOperationException(
                    $"{r.HandlerType.Name}.Kind is '{kind}', which the job contract does not define (known kinds: {string.Join(", ", JobKinds.All.Order())}).");
            if (_byKind.TryGetValue(kind, out var other))
                throw new InvalidOperationException($"Job kind '{kind}' is registered twice: {other.Name} and {r.HandlerType.Name}.");
            _byKind[kind] = r.HandlerType;
        }
        if (_byKind.Count == 0)
            throw new InvalidOperationException(
                "No job handlers are registered: add them with services.AddJobHandler<T>() in Worker/Hosting/JobHandlerRegistrations.cs.");
    }

    /// <summary>The kinds this worker runs, sorted.</summary>
    public IReadOnlyList<string> Kinds => [.. _byKind.Keys.Order(StringComparer.Ordinal)];

    public bool Handles(string kind) => _byKind.ContainsKey(kind);

    /// <summary>Resolves the handler for <paramref name="kind"/> from a message's scope.</summary>
    public IJobHandler Resolve(IServiceProvider scope, string kind)
        => _byKind.TryGetValue(kind, out var type)
            ? (IJobHandler)scope.GetRequiredService(type)
            : throw new InvalidOperationException($"No handler for job kind '{kind}'.");
}
