using System.IO.Compression;
using ScoreBatch.Reliability.Tests.Support;
using ScoreBatch.Storage.Abstractions;
using static ScoreBatch.Tests.Shared.HostileFiles;

namespace ScoreBatch.Reliability.Tests;

/// <summary>
/// Hostile and unlucky input files (issue 9, the format items): FITS headers that crashed the process inside
/// CFITSIO, truncated data, files that bypassed the cutout limits (FITS, .npz), an .npz bomb, an ambiguous .npy
/// header, a cutout the prior cannot score, and files from other writers with nothing to read. Each is a score job
/// whose input holds that one file; the job must be poisoned naming the file (or "input") with the phrase given.
/// The harness (<see cref="HostileFormatTests"/>) runs with MaxDecompressedBytesPerFile = 1 MiB.
/// </summary>
public static class HostileFormatCorpus
{
    /// <summary>The decompressed-bytes limit the harness sets, so that a bomb stays small.</summary>
    public const int DecompressedLimit = 1 << 20;

    private const string Output = HostileInputCorpus.BadOutput;
    private const string Inputs = HostileInputCorpus.BadInputs;

    private static string ScoreJob() =>
        $"{{\"schema\":1,\"id\":\"bad\",\"kind\":\"score\",\"input\":\"{Inputs}\",\"output\":\"{Output}\",\"model\":\"{InProcessWorker.ModelPath}\",\"params\":{{}}}}";

    private static HostileCase BadFile(string name, byte[] bytes, string fragment, string? field = null) =>
        new(ScoreJob(), (IArtifactStore store, CancellationToken ct) => store.WriteAsync($"{Inputs}/{name}", BinaryData.FromBytes(bytes), overwrite: true, ct),
            field ?? $"{Inputs}/{name}", fragment);

    /// <summary>A .npz whose one member, <paramref name="bytes"/> of .npy, is deflated (zeros deflate about 1000:1).</summary>
    private static byte[] Zip(string member, byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var s = zip.CreateEntry(member, CompressionLevel.Optimal).Open();
            s.Write(bytes);
        }
        return ms.ToArray();
    }

    private static byte[] Fits(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] AllPixels(float value)
    {
        var data = new float[TinyPrior.Size * TinyPrior.Size];
        Array.Fill(data, value);
        return Storage.Formats.Npy.ToBytes(data, [TinyPrior.Size, TinyPrior.Size]);
    }

    public static IReadOnlyDictionary<string, HostileCase> Cases { get; } = new Dictionary<string, HostileCase>(StringComparer.Ordinal)
    {
        // Item 1: these killed the worker with SIGSEGV (and a concurrent job with it) or read past the data.
        ["fits-naxis-999"] = BadFile("n999.fits", Naxis999(), "NAXIS = 999 is more axes than this reader accepts"),
        ["fits-truncated-cube"] = BadFile("cube.fits", TruncatedCube(), "but only 4096 bytes follow"),
        ["fits-truncated-2d"] = BadFile("short.fits", Truncated2D(), "the file is truncated"),
        ["fits-binary-in-header"] = BadFile("binhead.fits", Fits(Header([Card("SIMPLE", true), Card("BITPIX", -32), Card("NAXIS", 2),
            Card("NAXIS1", 8), Card("NAXIS2", 8), "COMMENT \u0001\u0002"]), Padded(Float32(64))), "printable ASCII text only"),
        // Item 6: limits on every format, from the headers, before anything is allocated.
        ["npz-bomb"] = BadFile("bomb.npz", Zip("a.npy", Storage.Formats.Npy.ToBytes(new float[1 << 20], [1024, 32, 32])), "MaxDecompressedBytesPerFile"),
        ["npz-cutout-over-size-limit"] = BadFile("wide.npz", Zip("a.npy", Storage.Formats.Npy.ToBytes(new float[80 * 80], [80, 80])), "MaxCutoutSize"),
        ["fits-cutout-over-size-limit"] = BadFile("wide.fits", Image(80, 80), "MaxCutoutSize"),
        ["fits-cube-over-job-limit"] = BadFile("many.fits", Fits(Header(ImageCards(true, -32, 8, 8, 60)), Padded(Float32(60 * 64, 0.5f))), "MaxCutoutsPerJob", field: "input"),
        // Item 9 (formats): an ambiguous header, and a cutout whose values leave the model space.
        ["npy-descr-twice"] = BadFile("twice.npy", Npy("{'descr': '<f4', 'descr': '<i2', 'fortran_order': False, 'shape': (8, 8), }", new byte[256]),
            "the key 'descr' appears twice"),
        ["all-1e30"] = BadFile("huge-values.npy", AllPixels(1e30f), "beyond ±100"),
        // Item 10: files from other writers that hold no image to score.
        ["fits-random-groups"] = BadFile("groups.fits", Fits(Header([.. ImageCards(true, -32, 0, 8, 8), Card("GROUPS", true), Card("PCOUNT", 2), Card("GCOUNT", 3)]),
            Padded(Float32(3 * 66))), "HDU 0: random groups"),
        ["fits-zero-width"] = BadFile("zerowidth.fits", Header(ImageCards(true, -32, 0, 777777701)), "no image HDU with data"),
    };

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Keys) data.Add(name);
        return data;
    }
}
