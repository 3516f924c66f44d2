using System.Text.Json;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Formats.Fits;
using ScoreBatch.Tests.Shared;

namespace ScoreBatch.Storage.Tests.Interop;

/// <summary>FITS files written by astropy are read by ScoreBatch (through CFITSIO), and ScoreBatch's score maps by astropy.</summary>
public sealed class AstropyInteropTests : IDisposable
{
    private readonly string _dir = ReferencePython.NewWorkDirectory("astropy");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    /// <summary>Reads <paramref name="file"/> with ScoreBatch and checks every cutout against astropy's values (by id).</summary>
    private void AssertMatches(string file, JsonElement expected, float tolerance = 0f)
    {
        var cutouts = CutoutReader.Read(file, File.ReadAllBytes(Path.Combine(_dir, file)));
        var want = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.Equal(want.Keys.Order(), cutouts.Select(c => c.Id).Order());
        foreach (var c in cutouts)
        {
            var w = want[c.Id];
            Assert.Equal(w.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()), [c.Height, c.Width]);
            var values = Floats(w.GetProperty("values"));
            Assert.Equal(values.Length, c.Pixels.Length);
            for (int i = 0; i < values.Length; i++)
                if (Math.Abs(values[i] - c.Pixels[i]) > tolerance * Math.Max(1f, Math.Abs(values[i])))
                    Assert.Fail($"{c.Id}[{i}]: astropy {values[i]}, ScoreBatch {c.Pixels[i]}");
        }
    }

    // Shared Python: report(name, hdul_index_to_id) prints {id: {shape, values}} using astropy's own reading.
    private const string Prelude = """
        import json, numpy as np
        from astropy.io import fits
        rng = np.random.default_rng(11)
        def planes(idbase, data):
            data = np.asarray(data, dtype=np.float64)
            if data.ndim == 2:
                return {idbase: {"shape": list(data.shape), "values": data.ravel().tolist()}}
            return {f"{idbase}#{i}": {"shape": list(p.shape), "values": p.ravel().tolist()} for i, p in enumerate(data)}
        """;

    [Fact]
    public void Fits_EveryBitpixWithBscaleBzeroFromAstropy_ReadsSameValues()
    {
        var script = Prelude + """

            out = {}
            base = rng.normal(size=(5, 7)) * 40
            kinds = {'u8': np.uint8, 'i16': np.int16, 'i32': np.int32, 'i64': np.int64, 'f32': np.float32, 'f64': np.float64,
                     'i8': np.int8, 'u16': np.uint16}
            for tag, dt in kinds.items():
                a = base + (128 if dt in (np.uint8, np.uint16) else 0)
                if np.issubdtype(dt, np.integer):
                    a = np.round(a)
                fits.PrimaryHDU(np.asarray(a, dtype=dt)).writeto(f'{tag}.fits')
            scaled = fits.PrimaryHDU(100.0 + 0.5 * np.round(base * 2))
            scaled.scale('int16', bscale=0.5, bzero=100.0)
            scaled.writeto('scaled.fits')
            for tag in list(kinds) + ['scaled']:
                with fits.open(f'{tag}.fits') as h:
                    out[f'{tag}.fits'] = {"bitpix": h[0].header['BITPIX'], "bscale": h[0].header.get('BSCALE', 1),
                                          "bzero": h[0].header.get('BZERO', 0), "ids": planes(f'{tag}.fits[0]', h[0].data)}
            print(json.dumps(out))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        var bitpix = new Dictionary<string, int>();
        foreach (var file in r.EnumerateObject())
        {
            AssertMatches(file.Name, file.Value.GetProperty("ids"));
            var image = Assert.Single(FitsReader.ReadImages(File.ReadAllBytes(Path.Combine(_dir, file.Name)), file.Name));
            Assert.Equal(file.Value.GetProperty("bitpix").GetInt32(), image.Bitpix);
            bitpix[file.Name] = image.Bitpix;
        }
        // The files really cover every BITPIX, signed bytes and unsigned shorts via BZERO, and a BSCALE/BZERO pair.
        Assert.Equal([-64, -32, 8, 16, 32, 64], bitpix.Values.Distinct().Order());
        Assert.Equal(0.5, r.GetProperty("scaled.fits").GetProperty("bscale").GetDouble());
        Assert.Equal(100.0, r.GetProperty("scaled.fits").GetProperty("bzero").GetDouble());
        Assert.Equal(32768.0, r.GetProperty("u16.fits").GetProperty("bzero").GetDouble());
        Assert.Equal(-128.0, r.GetProperty("i8.fits").GetProperty("bzero").GetDouble());
    }

    [Fact]
    public void Fits_BlankPixelsInScaledIntegersFromAstropy_ReadAsNaNLikeAstropy()
    {
        const string script = """
            import json, numpy as np
            from astropy.io import fits
            raw = np.arange(12, dtype=np.int16).reshape(3, 4)
            raw[1, 2] = -32768
            hdu = fits.PrimaryHDU(raw)
            hdu.header['BLANK'] = -32768
            hdu.header['BSCALE'] = 0.5
            hdu.header['BZERO'] = 10.0
            hdu.writeto('blank.fits')
            d = fits.getdata('blank.fits')
            print(json.dumps({"nan": [int(i) for i in np.flatnonzero(np.isnan(d))], "values": [None if np.isnan(v) else float(v) for v in d.ravel()]}))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        Assert.Equal([6], r.GetProperty("nan").EnumerateArray().Select(v => v.GetInt32()));
        var c = Assert.Single(CutoutReader.Read("blank.fits", File.ReadAllBytes(Path.Combine(_dir, "blank.fits"))));
        var expected = r.GetProperty("values").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? float.NaN : (float)v.GetDouble()).ToArray();
        Assert.Equal(expected, c.Pixels);
    }

    [Fact]
    public void Fits_ExtensionsCubesAndTablesFromAstropy_ReadsImagesWithHduIds()
    {
        var script = Prelude + """

            sci = rng.normal(size=(4, 6)).astype(np.float32)
            err = rng.uniform(size=(4, 6)).astype(np.float64)
            cube = rng.integers(0, 1000, size=(3, 4, 5)).astype(np.int32)
            anon = rng.normal(size=(2, 3)).astype(np.float32)
            table = fits.BinTableHDU.from_columns([fits.Column(name='x', format='E', array=np.arange(3.0))], name='CAT')
            fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(sci, name='SCI'), fits.ImageHDU(err, name='ERR'), table,
                          fits.ImageHDU(cube, name='STACK'), fits.ImageHDU(anon), fits.ImageHDU(anon, name='DUP'),
                          fits.ImageHDU(anon, name='DUP')]).writeto('multi.fits')
            out = {}
            with fits.open('multi.fits') as h:
                for hid, i in (('[SCI]', 1), ('[ERR]', 2), ('[STACK]', 4), ('[5]', 5), ('[6]', 6), ('[7]', 7)):
                    out.update(planes('multi.fits' + hid, h[i].data))
            print(json.dumps(out))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        AssertMatches("multi.fits", r);
        var images = FitsReader.ReadImages(File.ReadAllBytes(Path.Combine(_dir, "multi.fits")), "multi.fits");
        Assert.Equal([1, 2, 4, 5, 6, 7], images.Select(i => i.HduIndex));
        Assert.Equal([3, 4, 5], images[2].Array.Shape);
    }

    [Fact]
    public void Fits_TileCompressedFromAstropy_ReadsAsAstropyDecompresses()
    {
        var script = Prelude + """

            ints = rng.integers(-2000, 2000, size=(40, 30)).astype(np.int16)
            flt = (rng.normal(size=(33, 32)) * 10).astype(np.float32)
            square = rng.integers(0, 30000, size=(32, 32)).astype(np.int32)
            cube = rng.normal(size=(2, 16, 16)).astype(np.float32)
            fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(ints, compression_type='RICE_1', name='RICE'),
                          fits.CompImageHDU(flt, compression_type='GZIP_2', quantize_level=0.0, name='LOSSLESS'),
                          fits.CompImageHDU(square, compression_type='HCOMPRESS_1', name='HC'),
                          fits.CompImageHDU(flt, compression_type='RICE_1', name='QUANT'),
                          fits.CompImageHDU(cube, compression_type='RICE_1', name='CUBE')]).writeto('packed.fits.fz')
            out = {}
            with fits.open('packed.fits.fz') as h:
                assert np.array_equal(h['RICE'].data, ints) and np.array_equal(h['LOSSLESS'].data, flt)
                for name in ('RICE', 'LOSSLESS', 'HC', 'QUANT', 'CUBE'):
                    out.update(planes(f'packed.fits.fz[{name}]', h[name].data))
            print(json.dumps(out))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        // HCOMPRESS is checked on integers (lossless): for float32 HCOMPRESS files written by astropy 5.2, CFITSIO
        // 4.2 and astropy disagree (astropy matches the original image), so that combination is a documented gap.
        // Lossy (quantised) planes are dequantised by CFITSIO and astropy with the same dither: equal to float32 rounding.
        AssertMatches("packed.fits.fz", r, tolerance: 1e-6f);
    }

    [Fact]
    public void FitsWriter_ScoreMapWithProvenance_AstropyReadsValuesShapeAndKeys()
    {
        var pixels = Enumerable.Range(0, 2 * 4 * 3).Select(i => MathF.Cos(i) * 1e-3f).ToArray();
        var longId = "survey/" + new string('d', 90) + "/field.fits[SCI]#1";
        var provenance = FitsProvenance.ForScoreMap("1.2.3", "job-42", "models/galaxy-64.ckpt", "mixer", 0.02, "log1p(x)/0.1", longId);
        File.WriteAllBytes(Path.Combine(_dir, "scores.fits"), FitsWriter.Write(pixels, [2, 4, 3], provenance, _dir));
        const string script = """
            import json, numpy as np
            from astropy.io import fits
            with fits.open('scores.fits') as h:
                h.verify('exception')
                hd = h[0].header
                print(json.dumps({"n": len(h), "bitpix": hd['BITPIX'], "shape": list(h[0].data.shape),
                                  "values": h[0].data.astype(float).ravel().tolist(), "dtype": h[0].data.dtype.name,
                                  "keys": {k: hd[k] for k in ('CREATOR', 'SBVERSN', 'JOBID', 'MODEL', 'ARCH', 'TSCORE',
                                                             'TRANSFRM', 'INFILE', 'INHDU', 'CUTOUTID')},
                                  "tcomment": hd.comments['TSCORE']}))
            """;
        var r = ReferencePython.RunJson(script, _dir);
        Assert.Equal(1, r.GetProperty("n").GetInt32());
        Assert.Equal(-32, r.GetProperty("bitpix").GetInt32());
        Assert.Equal("float32", r.GetProperty("dtype").GetString());
        Assert.Equal([2, 4, 3], r.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal(pixels, Floats(r.GetProperty("values")));
        var keys = r.GetProperty("keys");
        Assert.Equal("ScoreBatch", keys.GetProperty("CREATOR").GetString());
        Assert.Equal("1.2.3", keys.GetProperty("SBVERSN").GetString());
        Assert.Equal("job-42", keys.GetProperty("JOBID").GetString());
        Assert.Equal("models/galaxy-64.ckpt", keys.GetProperty("MODEL").GetString());
        Assert.Equal("mixer", keys.GetProperty("ARCH").GetString());
        Assert.Equal(0.02, keys.GetProperty("TSCORE").GetDouble());
        Assert.Equal("log1p(x)/0.1", keys.GetProperty("TRANSFRM").GetString());
        Assert.Equal("survey/" + new string('d', 90) + "/field.fits", keys.GetProperty("INFILE").GetString()); // CONTINUE cards
        Assert.Equal("[SCI]#1", keys.GetProperty("INHDU").GetString());
        Assert.Equal(longId, keys.GetProperty("CUTOUTID").GetString());
        Assert.Contains("diffusion time", r.GetProperty("tcomment").GetString());
    }
}
