using System.Security.Cryptography;
using ScoreBatch.Storage.Abstractions;

namespace ScoreBatch.Storage.Local;

/// <summary>
/// An <see cref="IArtifactStore"/> over files under a root folder: "container/a/b.npy" is ROOT/container/a/b.npy.
/// Writes go to a temporary file first and are renamed into place, so readers never see half a file.
/// The ETag is a hash of the content; conditional writes are atomic within this process (one lock) and
/// If-None-Match: * is also atomic across processes (rename without overwrite). Used by the CLI and by tests.
/// A store built with <see cref="Mounted"/> maps each container to a folder of its own instead ("input/a.npy" is
/// DATA/a.npy): the CLI runs the job handlers over the folders a user names, whatever those folders are called.
/// Listings give a weak ETag from size and modification time (no file is read to list it); reads give the content's hash.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The write gate is only awaited (WaitAsync), so it never allocates the wait handle that Dispose would free.")]
public sealed class LocalFolderArtifactStore : IArtifactStore
{
    private readonly string? _root;
    private readonly Dictionary<string, string> _mounts = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public LocalFolderArtifactStore(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    private LocalFolderArtifactStore(IReadOnlyDictionary<string, string> mounts)
    {
        foreach (var (container, folder) in mounts)
        {
            if (!ArtifactPath.IsValidContainerName(container))
                throw new ArgumentException($"container '{container}' must be 3-63 characters of a-z, 0-9 and single hyphens", nameof(mounts));
            ArgumentException.ThrowIfNullOrWhiteSpace(folder);
            _mounts[container] = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar);
        }
    }

    /// <summary>A store whose containers are the given folders (container name -> folder); any other container is refused.</summary>
    public static LocalFolderArtifactStore Mounted(IReadOnlyDictionary<string, string> mounts)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        return new LocalFolderArtifactStore(mounts);
    }

    /// <summary>The root folder ("container/a" is ROOT/container/a); null for a <see cref="Mounted"/> store.</summary>
    public string? Root => _root;

    public IAsyncEnumerable<ArtifactInfo> ListAsync(string prefix, CancellationToken cancellationToken)
        => List(prefix, cancellationToken).ToAsyncEnumerable();

    private IEnumerable<ArtifactInfo> List(string prefix, CancellationToken cancellationToken)
    {
        ArtifactPath.Validate(prefix, nameof(prefix), requireBlobName: false);
        var (container, _) = ArtifactPath.Split(prefix);
        var containerDir = FolderOf(container);
        if (!Directory.Exists(containerDir)) yield break;
        cancellationToken.ThrowIfCancellationRequested();
        var files = Directory.EnumerateFiles(containerDir, "*", SearchOption.AllDirectories)
            .Where(f => !IsTemporary(f))
            .Select(f => (Name: container + "/" + Path.GetRelativePath(containerDir, f).Replace(Path.DirectorySeparatorChar, '/'), File: f))
            .Where(n => n.Name.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var (name, file) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(file);
            if (!info.Exists) continue; // deleted since the enumeration
            var modified = info.LastWriteTimeUtc;
            yield return new ArtifactInfo(name, info.Length, $"W/\"{info.Length:x}-{modified.Ticks:x}\"", modified);
        }
    }

    public async Task<BinaryData> ReadAsync(string path, CancellationToken cancellationToken)
        => (await TryReadAsync(path, cancellationToken).ConfigureAwait(false))?.Content ?? throw new ArtifactNotFoundException(path);

    public async Task<ArtifactContent?> TryReadAsync(string path, CancellationToken cancellationToken)
    {
        var file = FileFor(path);
        try
        {
            var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
            return new ArtifactContent(BinaryData.FromBytes(bytes), ETagOf(bytes));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public async Task<ArtifactInfo?> GetInfoAsync(string path, CancellationToken cancellationToken)
    {
        var content = await TryReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (content is null) return null;
        return new ArtifactInfo(path, content.Content.ToMemory().Length, content.ETag, File.GetLastWriteTimeUtc(FileFor(path)));
    }

    public async Task<bool> WriteAsync(string path, BinaryData content, bool overwrite, CancellationToken cancellationToken)
        => overwrite
            ? await WriteUnderLockAsync(path, content, _ => true, cancellationToken).ConfigureAwait(false) is not null
            : await WriteConditionalAsync(path, content, null, cancellationToken).ConfigureAwait(false) is not null;

    public Task<string?> WriteConditionalAsync(string path, BinaryData content, string? ifMatchETag, CancellationToken cancellationToken)
        => WriteUnderLockAsync(path, content, current => ifMatchETag is null ? current is null : current == ifMatchETag, cancellationToken);

    public async Task<bool> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var file = FileFor(path);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!File.Exists(file)) return false;
            File.Delete(file);
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<string?> WriteUnderLockAsync(string path, BinaryData content, Func<string?, bool> condition, CancellationToken cancellationToken)
    {
        var file = FileFor(path);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = (await TryReadAsync(path, cancellationToken).ConfigureAwait(false))?.ETag;
            if (!condition(current)) return null;
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var temp = file + $".{Guid.NewGuid():N}{TemporarySuffix}";
            var bytes = content.ToArray();
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken).ConfigureAwait(false);
            try
            {
                // Without overwrite the rename fails if another process created the file meanwhile: If-None-Match holds.
                File.Move(temp, file, overwrite: current is not null);
            }
            catch (IOException) when (File.Exists(file) && current is null)
            {
                File.Delete(temp);
                return null;
            }
            return ETagOf(bytes);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private string FileFor(string path)
    {
        ArtifactPath.Validate(path, nameof(path));
        var (container, inside) = ArtifactPath.Split(path);
        var folder = FolderOf(container);
        var full = Path.GetFullPath(Path.Combine(folder, inside));
        // ArtifactPath already forbids ".." and absolute names; this is a second fence against escaping the folder.
        if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidArtifactPathException(nameof(path), path, $"resolves outside the store's folder '{folder}'");
        return full;
    }

    /// <summary>The folder holding <paramref name="container"/>: ROOT/container, or its mount.</summary>
    private string FolderOf(string container)
    {
        if (_root is not null) return Path.Combine(_root, container);
        return _mounts.TryGetValue(container, out var folder)
            ? folder
            : throw new InvalidArtifactPathException("path", container, $"is not one of this store's folders ({string.Join(", ", _mounts.Keys)})");
    }

    /// <summary>Suffix of a write in progress; such files are never listed.</summary>
    private const string TemporarySuffix = ".sbtmp";

    private static bool IsTemporary(string file) => file.EndsWith(TemporarySuffix, StringComparison.Ordinal);

    private static string ETagOf(byte[] bytes) => "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"";
}
