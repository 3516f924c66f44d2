using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Runtime;
using ScoreBatch.Storage.Abstractions;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>What handlers resolve from a request before they work, with errors that name the request's field.</summary>
public static class JobResources
{
    /// <summary>The torch device for params.device (or the worker's default); a bad or unavailable one names "params.device".</summary>
    public static Device ResolveDevice(string name)
    {
        try
        {
            return TorchDevices.Resolve(name);
        }
        catch (ArgumentException e)
        {
            throw new JobValidationException("params.device", e.Message);
        }
    }

    /// <summary>
    /// Reads an artifact the request names in <paramref name="field"/>; a missing one, or a name that is a folder, is a
    /// validation error on that field.
    /// </summary>
    public static async Task<BinaryData> ReadRequiredAsync(IArtifactStore store, string path, string field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        try
        {
            return await store.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ArtifactNotFoundException)
        {
            await foreach (var inside in store.ListAsync(path.TrimEnd('/') + "/", cancellationToken).ConfigureAwait(false))
                throw new JobValidationException(field, $"'{path}' is a folder (it holds '{inside.Path}'), not a checkpoint file");
            throw new JobValidationException(field, $"checkpoint '{path}' does not exist");
        }
    }
}
