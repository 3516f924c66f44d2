using System.Text.Json;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Storage.Tests.Interop;

/// <summary>
/// Every FITS file of astropy's own test corpus (shipped with Debian's python3-astropy) read by ScoreBatch and by
/// astropy (issue 9, item 10: files written by others): the same image HDUs with data (empty primaries, zero-length
/// axes, tables and random groups skipped), the ids from the EXTNAME astropy resolves, the same shapes and values;
/// a file with no 2-D or 3-D image is refused with a <see cref="CutoutFormatException"/>, never a crash.
/// </summary>
public sealed class AstropyCorpusTests : IDisposable
{
    private readonly string _dir = ReferencePython.NewWorkDirectory("astropy-corpus");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Script = """
        import json, os, glob, numpy as np
        import astropy.io.fits as fits
        root = os.path.join(os.path.dirname(fits.__file__), 'tests', 'data')
        out = {}
        for path in sorted(glob.glob(os.path.join(root, '*.fits')) + glob.glob(os.path.join(root, 'invalid', '*.fits'))):
            rel = os.path.relpath(path, root)
            try:
                hdul = fits.open(path)
                images = []
                for i, h in enumerate(hdul):
                    if isinstance(h, (fits.PrimaryHDU, fits.ImageHDU, fits.CompImageHDU)) and not isinstance(h, fits.GroupsHDU):
                        if len(h.shape) > 0 and np.prod(h.shape) > 0:
                            # The EXTNAME astropy resolves (h.name), when the header has one at all.
                            has = 'EXTNAME' in (h._header if isinstance(h, fits.CompImageHDU) else h.header)
                            images.append((i, str(h.name).strip() if has else '', h))
                names = [n.upper() for _, n, _ in images]
                entry = {"path": path, "ids": {}, "odd": [], "compressed": any(isinstance(h, fits.CompImageHDU) for _, _, h in images)}
                for i, n, h in images:
                    base = f"{rel}[{n}]" if n and names.count(n.upper()) == 1 else f"{rel}[{i}]"
                    shape = [s for s in h.shape]
                    while len(shape) > 3 and shape[0] == 1: shape = shape[1:]
                    if len(shape) not in (2, 3):
                        entry["odd"].append(i); continue
                    data = np.asarray(h.data, dtype=np.float64).reshape(shape)
                    planes = {base: data} if len(shape) == 2 else {f"{base}#{k}": p for k, p in enumerate(data)}
                    for key, p in planes.items():
                        entry["ids"][key] = {"shape": list(p.shape), "values": [None if not np.isfinite(v) else v for v in p.ravel().tolist()]}
                out[rel] = entry
            except Exception as e:
                out[rel] = {"path": path, "astropy_error": str(e)}
        print(json.dumps(out))
        """;

    [Fact]
    public void AstropyTestCorpus_EveryFile_SameImagesAsAstropyOrClearRefusal()
    {
        var corpus = ReferencePython.RunJson(Script, _dir);
        int read = 0, refused = 0;
        foreach (var file in corpus.EnumerateObject())
        {
            var e = file.Value;
            var bytes = File.ReadAllBytes(e.GetProperty("path").GetString()!);
            var name = file.Name;
            if (e.TryGetProperty("astropy_error", out _) || !e.GetProperty("ids").EnumerateObject().Any() || e.GetProperty("odd").GetArrayLength() > 0)
            {
                // astropy finds no 2-D or 3-D image (or cannot open the file): ScoreBatch must refuse it clearly.
                var ex = Assert.Throws<CutoutFormatException>(() => CutoutReader.Read(name, bytes));
                Assert.Equal(name, ex.File);
                refused++;
                continue;
            }
            var cutouts = CutoutReader.Read(name, bytes);
            var want = e.GetProperty("ids").EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
            Assert.Equal(want.Keys.Order(StringComparer.Ordinal), cutouts.Select(c => c.Id).Order(StringComparer.Ordinal));
            foreach (var c in cutouts)
            {
                var w = want[c.Id];
                Assert.Equal(w.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()), [c.Height, c.Width]);
                var values = w.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? float.NaN : (float)v.GetDouble()).ToArray();
                float tolerance = e.GetProperty("compressed").GetBoolean() ? 1e-4f : 1e-6f;
                for (int i = 0; i < values.Length; i++)
                    if (!(float.IsNaN(values[i]) && float.IsNaN(c.Pixels[i])) && Math.Abs(values[i] - c.Pixels[i]) > tolerance * Math.Max(1f, Math.Abs(values[i])))
                        Assert.Fail($"{c.Id}[{i}]: astropy {values[i]}, ScoreBatch {c.Pixels[i]}");
            }
            read++;
        }
        Assert.True(read >= 8 && refused >= 10, $"{read} files read, {refused} refused");
    }
}
