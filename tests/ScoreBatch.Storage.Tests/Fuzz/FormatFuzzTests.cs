using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Formats.Fits;
using Xunit.Abstractions;
using static ScoreBatch.Tests.Shared.HostileFiles;

namespace ScoreBatch.Storage.Tests.Fuzz;

/// <summary>
/// Mutation fuzzing of every cutout format (issue 9): valid .npy, .npz (stored and deflated), FITS (images, cubes,
/// extensions, a table) and tile-compressed FITS (RICE_1, GZIP_1/2, HCOMPRESS_1 from astropy, seed.fits.fz) get
/// bit flips, byte overwrites, truncations, spliced blocks and edits of the header values that size allocations
/// (NAXISn, BITPIX, PCOUNT, GCOUNT, ZNAXISn, ZTILEn, TFORMn, shape, descr). Seeded, so a failure names a case that
/// replays. Each case must end in cutouts whose sizes agree or in a <see cref="CutoutFormatException"/>: any other
/// exception fails the test, a native crash kills the test host (the run fails), and the whole run must finish
/// within its time bound (a hang fails it).
/// </summary>
public sealed class FormatFuzzTests(ITestOutputHelper output)
{
    /// <summary>Cases per seed file; 7 seeds, so about 3,500 cases (a few seconds on one core).</summary>
    private const int CasesPerSeed = 500;

    /// <summary>The run's seed; SCOREBATCH_FUZZ_SEED explores others (a failure message names the case, which replays with the same seed).</summary>
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("SCOREBATCH_FUZZ_SEED"), out var s) ? s : 9;

    /// <summary>Small limits keep a mutated size that passes every check cheap to read.</summary>
    private static readonly ArrayLimits Limits = new(MaxElements: 1 << 20, MaxDecompressedBytes: 16 << 20, MaxCutoutSide: 4096);

    private static readonly string[] SizeKeys =
        ["NAXIS", "NAXIS1", "NAXIS2", "NAXIS3", "BITPIX", "PCOUNT", "GCOUNT", "ZNAXIS", "ZNAXIS1", "ZNAXIS2", "ZNAXIS3", "ZBITPIX",
         "ZTILE1", "ZTILE2", "ZTILE3", "TFIELDS", "THEAP", "ZVAL1", "ZVAL2", "BSCALE", "BZERO", "BLANK", "GROUPS", "EXTEND"];

    private static readonly string[] Values =
        ["0", "1", "-1", "2", "3", "8", "16", "-32", "-64", "64", "999", "1000", "105", "2147483647", "2147483648", "-2147483648",
         "9223372036854775807", "99999999999999999999", "1E30", "T", "F", "'X'", "''", "1.5", "NaN"];

    private static readonly string[] TileCodecs = ["'RICE_1'", "'GZIP_1'", "'GZIP_2'", "'HCOMPRESS_1'", "'PLIO_1'", "'NOCOMPRESS'", "'BOGUS'"];

    private static readonly string[] NpyEdits =
        ["'shape': (0, 8)", "'shape': (8,)", "'shape': (1000000, 1000000)", "'shape': (-1, 8)", "'shape': (2, 8, 8, 8)", "'shape': ()",
         "'descr': '<f8'", "'descr': '|O'", "'descr': '<c16'", "'descr': '>u8'", "'descr': '|b1'", "'descr': '<f4', 'descr': '<i2'",
         "'fortran_order': True", "'fortran_order': 1", "'extra': 1"];

    private static string _current = "";
    private static int _done;

    [Fact]
    public async Task Readers_MutatedFilesOfEveryFormat_EndInCutoutsOrFormatRefusal()
    {
        var seeds = Seeds();
        var run = Task.Run(() => Fuzz(seeds));
        if (await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(120))) != run)
            Assert.Fail($"the fuzz run did not finish within 120 s: stuck at {Volatile.Read(ref _current)}, after {Volatile.Read(ref _done)} cases");
        var (cases, accepted, refused, elapsed) = await run;
        output.WriteLine($"{cases} cases in {elapsed.TotalSeconds:F1} s: {accepted} read, {refused} refused with CutoutFormatException");
        Assert.Equal(seeds.Count * CasesPerSeed, cases);
        Assert.True(refused > cases / 4, $"only {refused} of {cases} mutations were refused: the mutations are too weak to mean anything");
    }

    private static (int Cases, int Accepted, int Refused, TimeSpan Elapsed) Fuzz(List<(string Name, byte[] Bytes)> seeds)
    {
        var clock = Stopwatch.StartNew();
        int cases = 0, accepted = 0, refused = 0;
        for (int s = 0; s < seeds.Count; s++)
        {
            var (name, bytes) = seeds[s];
            Assert.NotEmpty(CutoutReader.Read(name, bytes, Limits)); // the seed itself is valid
            for (int i = 0; i < CasesPerSeed; i++)
            {
                var rng = new Random(Seed * 1_000_003 + s * 10_007 + i); // HashCode.Combine would differ per process
                var (mutation, mutated) = Mutate(name, bytes, rng);
                cases++;
                Volatile.Write(ref _current, $"seed {name}, case {i}: {mutation}");
                Volatile.Write(ref _done, cases);
                if (Environment.GetEnvironmentVariable("SCOREBATCH_FUZZ_TRACE") is { Length: > 0 } trace)
                {
                    // Names the case (and keeps its bytes) that a native crash or a hang stopped in.
                    File.WriteAllText(trace, _current);
                    File.WriteAllBytes(trace + ".bin", mutated);
                }
                if (Outcome(name, mutated, $"seed {name}, case {i}: {mutation}")) accepted++;
                else refused++;
            }
        }
        return (cases, accepted, refused, clock.Elapsed);
    }

    /// <summary>True when read, false when refused with a CutoutFormatException; anything else fails naming the case.</summary>
    private static bool Outcome(string name, byte[] bytes, string what)
    {
        try
        {
            _ = CutoutReader.Describe(name, bytes, Limits);
        }
        catch (CutoutFormatException)
        {
            // refused from the headers: the reader must refuse too (checked below)
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: Describe threw {e.GetType().Name}: {e.Message}");
        }
        try
        {
            var cutouts = CutoutReader.Read(name, bytes, Limits);
            foreach (var c in cutouts)
                Assert.True(c.Pixels.Length == (long)c.Height * c.Width, $"{what}: {c.Id} holds {c.Pixels.Length} pixels for {c.Height}x{c.Width}");
            return true;
        }
        catch (CutoutFormatException)
        {
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: Read threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return false;
        }
    }

    private static (string, byte[]) Mutate(string name, byte[] seed, Random rng)
    {
        var b = (byte[])seed.Clone();
        bool fits = !name.EndsWith(".npy", StringComparison.Ordinal) && !name.EndsWith(".npz", StringComparison.Ordinal);
        switch (rng.Next(6))
        {
            case 0:
                int flips = rng.Next(1, 9);
                var at = new List<int>();
                for (int k = 0; k < flips; k++)
                {
                    // Half of the flips land in the first 3 KiB (headers), where they matter most.
                    int p = rng.Next(2) == 0 ? rng.Next(Math.Min(b.Length, 3 * 1024)) : rng.Next(b.Length);
                    b[p] ^= (byte)(1 << rng.Next(8));
                    at.Add(p);
                }
                return ($"bit flips at {string.Join(", ", at)}", b);
            case 1:
                byte[] special = [0, 0xFF, 0x7F, 0x80, (byte)'0', (byte)'9', (byte)' ', (byte)'-', (byte)'T', (byte)'\''];
                int p1 = rng.Next(b.Length);
                b[p1] = special[rng.Next(special.Length)];
                return ($"byte {p1} = {b[p1]}", b);
            case 2:
                int length = rng.Next(b.Length);
                return ($"truncated to {length} bytes", b[..length]);
            case 3:
                int from = rng.Next(b.Length), to = rng.Next(b.Length), count = rng.Next(1, 2881);
                count = Math.Min(count, Math.Min(b.Length - from, b.Length - to));
                Array.Copy(seed, from, b, to, count);
                return ($"{count} bytes from {from} copied to {to}", b);
            default:
                return fits ? EditFitsCard(b, rng) : name.EndsWith(".npz", StringComparison.Ordinal) ? EditNpzMember(b, rng) : EditNpyHeader(b, rng);
        }
    }

    /// <summary>Sets the value of a random sizing card (any HDU) to an extreme or odd value.</summary>
    private static (string, byte[]) EditFitsCard(byte[] b, Random rng)
    {
        var text = Encoding.Latin1.GetString(b);
        var candidates = new List<int>();
        for (int c = 0; c + 80 <= b.Length; c += 80)
        {
            var key = text.Substring(c, 8).TrimEnd();
            if (text[c + 8] == '=' && (SizeKeys.Contains(key) || key.StartsWith("TFORM", StringComparison.Ordinal) || key == "ZCMPTYPE"))
                candidates.Add(c);
        }
        int card = candidates[rng.Next(candidates.Count)];
        var k = text.Substring(card, 8).TrimEnd();
        var value = k == "ZCMPTYPE" ? TileCodecs[rng.Next(TileCodecs.Length)]
            : k.StartsWith("TFORM", StringComparison.Ordinal) ? $"'{rng.Next(0, 100000)}{"EJBIDPQ"[rng.Next(7)]}'" : Values[rng.Next(Values.Length)];
        var replacement = Encoding.ASCII.GetBytes($"{k,-8}= {value,20}".PadRight(80)[..80]);
        replacement.CopyTo(b, card);
        return ($"{k} = {value} at byte {card}", b);
    }

    /// <summary>Rebuilds the .npy with one entry of its header dictionary replaced (or a key added), same data.</summary>
    private static (string, byte[]) EditNpyHeader(byte[] b, Random rng)
    {
        var edit = NpyEdits[rng.Next(NpyEdits.Length)];
        int headerEnd = 10 + BitConverter.ToUInt16(b, 8);
        var header = Encoding.Latin1.GetString(b, 10, headerEnd - 10);
        var entries = new Dictionary<string, string>
        {
            ["descr"] = Regex.Match(header, @"'descr': '[^']*'").Value,
            ["fortran_order"] = Regex.Match(header, @"'fortran_order': \w+").Value,
            ["shape"] = Regex.Match(header, @"'shape': \([^)]*\)").Value,
        };
        var key = edit[1..edit.IndexOf('\'', 1)];
        entries[key] = edit;
        return ($"npy header edit {edit}", Npy("{" + string.Join(", ", entries.Values) + ", }", b[headerEnd..]));
    }

    /// <summary>Rewrites one member of an .npz with an edited .npy header (and keeps the zip valid).</summary>
    private static (string, byte[]) EditNpzMember(byte[] b, Random rng)
    {
        var members = new List<(string Name, byte[] Data)>();
        using (var zip = new ZipArchive(new MemoryStream(b), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                members.Add((e.FullName, ms.ToArray()));
            }
        int m = rng.Next(members.Count);
        var (what, edited) = EditNpyHeader(members[m].Data, rng);
        members[m] = (members[m].Name, edited);
        using var outStream = new MemoryStream();
        using (var zip = new ZipArchive(outStream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (n, data) in members)
            {
                using var s = zip.CreateEntry(n, rng.Next(2) == 0 ? CompressionLevel.NoCompression : CompressionLevel.Fastest).Open();
                s.Write(data);
            }
        return ($"member {members[m].Name}: {what}", outStream.ToArray());
    }

    private static List<(string Name, byte[] Bytes)> Seeds()
    {
        var stack = Enumerable.Range(0, 3 * 8 * 8).Select(i => i * 0.25f).ToArray();
        var shorts = new byte[2 * 8 * 8 * 2];
        for (int i = 0; i < shorts.Length / 2; i++) { shorts[2 * i] = (byte)(i >> 8); shorts[2 * i + 1] = (byte)i; }
        var npyBig = Npy("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 8, 8), }", shorts);

        var sci = ImageCards(false, -32, 8, 8);
        sci.Add(Card("EXTNAME", "SCI"));
        var cube = ImageCards(false, 16, 4, 4, 3);
        cube.AddRange([Card("BZERO", 32768), Card("BSCALE", 1), Card("EXTNAME", "CUBE")]);
        var table = new List<string> { Card("XTENSION", "BINTABLE"), Card("BITPIX", 8), Card("NAXIS", 2), Card("NAXIS1", 8), Card("NAXIS2", 2),
            Card("PCOUNT", 0), Card("GCOUNT", 1), Card("TFIELDS", 1), Card("TFORM1", "2E") };
        byte[] multi = [.. Header(ImageCards(true, 8)), .. Header(sci), .. Padded(Float32(64, 0.5f)), .. Header(cube), .. Padded(new byte[4 * 4 * 3 * 2]),
            .. Header(table), .. Padded(new byte[16])];

        using var fz = typeof(FormatFuzzTests).Assembly.GetManifestResourceStream("seed.fits.fz")!;
        using var fzBytes = new MemoryStream();
        fz.CopyTo(fzBytes);
        return
        [
            ("stack.npy", Formats.Npy.ToBytes(stack, [3, 8, 8])),
            ("big.npy", npyBig),
            ("stored.npz", Npz.Write([("a", stack, [3, 8, 8]), ("b", stack[..64], [8, 8])])),
            ("deflated.npz", Npz.Write([("a", stack, [3, 8, 8]), ("b", stack[..64], [8, 8])], compress: true)),
            ("image.fits", FitsWriter.Write(stack, [3, 8, 8], [])),
            ("multi.fits", multi),
            ("seed.fits.fz", fzBytes.ToArray()),
        ];
    }
}
