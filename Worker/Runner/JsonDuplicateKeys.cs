using System.Text;
using System.Text.Json;

namespace ScoreBatch.Worker.Runner;

/// <summary>
/// Finds a key that appears twice in one JSON object ("id" at the top, "params.steps" inside params, "params.a[0].b"
/// deeper). JSON readers disagree on such a document (first wins, last wins, or an exception when the key is first
/// read), so a job message or a job file with one is refused as written, naming the key, before anything reads it.
/// </summary>
public static class JsonDuplicateKeys
{
    /// <summary>The dotted path of the first repeated key, or null when every object's keys are distinct.
    /// Throws <see cref="JsonException"/> when <paramref name="json"/> is not valid JSON.</summary>
    public static string? Find(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        // One frame per open container: the keys seen so far (objects only), its path and the next array index.
        var frames = new Stack<Frame>();
        string? pendingName = null;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    var name = reader.GetString()!;
                    var frame = frames.Peek();
                    if (!frame.Keys!.Add(name)) return Join(frame.Path, name);
                    pendingName = name;
                    break;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    var path = frames.Count == 0 ? "" : ChildPath(frames.Peek(), pendingName);
                    frames.Push(new Frame(path, reader.TokenType == JsonTokenType.StartObject ? new HashSet<string>(StringComparer.Ordinal) : null));
                    pendingName = null;
                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    frames.Pop();
                    if (frames.Count > 0 && frames.Peek().Keys is null) frames.Peek().Index++;
                    break;
                default:
                    // A scalar value: inside an array it moves the index on.
                    if (frames.Count > 0 && frames.Peek().Keys is null) frames.Peek().Index++;
                    pendingName = null;
                    break;
            }
        }
        return null;
    }

    private static string ChildPath(Frame parent, string? name)
        => parent.Keys is null ? $"{parent.Path}[{parent.Index}]" : Join(parent.Path, name ?? "");

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private sealed class Frame(string path, HashSet<string>? keys)
    {
        public string Path { get; } = path;

        /// <summary>Keys of an object; null for an array.</summary>
        public HashSet<string>? Keys { get; } = keys;

        public int Index { get; set; }
    }
}
