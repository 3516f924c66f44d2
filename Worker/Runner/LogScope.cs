using System.Collections;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// A log scope of named properties: structured sinks see the key/value pairs ({JobId} {Kind} {Attempt}), the
/// console shows them as "JobId=... Kind=... Attempt=..." instead of a dictionary's type name.
/// </summary>
internal sealed class LogScope(params (string Key, object? Value)[] properties) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _items = [.. properties.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value))];

    public int Count => _items.Length;

    public KeyValuePair<string, object?> this[int index] => _items[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => string.Join(' ', _items.Select(p => $"{p.Key}={p.Value}"));
}
