using System.Collections;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// The per-job logging scope: named properties for structured sinks ({JobId} {Kind} {Attempt}) and a short
/// "JobId=... Kind=... Attempt=..." text for console output.
/// </summary>
public sealed class JobLogScope(params (string Name, object? Value)[] properties) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _items = [.. properties.Select(p => new KeyValuePair<string, object?>(p.Name, p.Value))];

    public int Count => _items.Length;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', _items.Select(i => $"{i.Key}={i.Value}"));
}
