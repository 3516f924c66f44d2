using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Storage.Formats;

namespace ScoreBatch.Jobs.Handlers;

/// <summary>
/// Reads one input file's cutouts under the job's limits, for every reader of inputs (<see cref="CutoutPipeline{TResult}"/>,
/// <see cref="JobInputs.ReadAllCutoutsAsync"/>): first its headers alone (.npy, .npz members, FITS and .fits.fz
/// alike, <see cref="CutoutReader.Describe"/>, which decodes no pixel), refusing a cutout side past
/// <see cref="JobContext.InputLimits"/>' MaxCutoutSide or a file that would inflate past its MaxDecompressedBytes,
/// and charging the file's cutouts to the attempt's <see cref="JobContext.Cutouts"/>; then the pixels, by the reader
/// under the same <see cref="JobContext.InputLimits"/>. Every refusal is a <see cref="JobValidationException"/>
/// naming the file (or "input" for the job-wide total) and the ScoreBatch:Limits setting, so the job is poisoned,
/// never retried.
/// </summary>
public static class JobCutoutReader
{
    /// <summary>The readers' structural limits for the header pass: the job's own are checked after it, naming their
    /// settings (decompressed bytes are bounded by the largest value the setting may take, as gzip tiles are inflated to check them).</summary>
    private static readonly ArrayLimits Structural = ArrayLimits.Default with { MaxDecompressedBytes = Array.MaxLength };

    /// <summary>The cutouts of <paramref name="file"/>, whose content is <paramref name="bytes"/>; ids start with its relative name.</summary>
    public static IReadOnlyList<Cutout> Read(JobContext context, InputFile file, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(file);
        CheckHeaders(context, file, bytes);
        try
        {
            return CutoutReader.Read(file.RelativeName, bytes, context.InputLimits);
        }
        catch (CutoutFormatException e)
        {
            throw new JobValidationException(file.Path, e.Message);
        }
    }

    private static void CheckHeaders(JobContext context, InputFile file, ReadOnlySpan<byte> bytes)
    {
        CutoutLayout layout;
        try
        {
            layout = CutoutReader.Describe(file.RelativeName, bytes, Structural);
        }
        catch (CutoutFormatException)
        {
            // Not a readable header: the reader below reports it with the file's name.
            return;
        }
        var limits = context.InputLimits;
        if (layout.DecompressedBytes > limits.MaxDecompressedBytes)
            throw new JobValidationException(file.Path,
                $"inflates to {layout.DecompressedBytes} bytes, over the limit of {limits.MaxDecompressedBytes} decompressed bytes per file ({JobLimitSettings.MaxDecompressedBytesPerFile})");
        foreach (var a in layout.Arrays)
            if (a.Height > limits.MaxCutoutSide || a.Width > limits.MaxCutoutSide)
                throw new JobValidationException(file.Path,
                    $"holds {a.Height}x{a.Width} cutouts, over the limit of {limits.MaxCutoutSide} pixels per side ({JobLimitSettings.MaxCutoutSize})");
        context.Cutouts.Charge(file.Path, layout.CutoutCount);
    }
}
