using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using ScoreBatch.Jobs.Contracts;
using ScoreBatch.Jobs.Interop;
using ScoreBatch.Jobs.Kinds.Score;
using ScoreBatch.Jobs.Model;
using ScoreBatch.Storage.Formats;
using ScoreBatch.Storage.Formats.Fits;
using ScoreBatch.Storage.InMemory;
using ScoreBatch.Tests.Shared;
using SkiaSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Handlers;

/// <summary>
/// The score handler with the astronomy formats: FITS, tile-compressed FITS and .npz inputs under one prefix, an
/// .eqx prior named directly as the model, and the PNG previews of the most anomalous cutouts.
/// </summary>
public class ScoreJobFormatsTests
{
    private static float[] Galaxy(int n, float peak)
    {
        var pixels = new float[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                pixels[r * n + c] = peak * MathF.Exp(-((r - 3.5f) * (r - 3.5f) + (c - 3.5f) * (c - 3.5f)) / 6f);
        return pixels;
    }

    private static async Task<InMemoryArtifactStore> StoreAsync()
    {
        var store = new InMemoryArtifactStore();
        async Task Put(string path, byte[] bytes) => await store.WriteAsync(path, BinaryData.FromBytes(bytes), overwrite: true, CancellationToken.None);
        manual_seed(5);
        using (var model = new MixerScoreNet(TinyModels.Mixer8))
        using (var eqx = new MemoryStream())
        {
            EqxMixerConverter.Export(model, eqx);
            await Put("models/tiny.eqx", eqx.ToArray());
        }
        // A FITS cube of two 8x8 galaxies of different brightness, and a fainter one in an .npz.
        var cube = Galaxy(8, 1f).Concat(Galaxy(8, 3f)).ToArray();
        await Put("data/in/field.fits", FitsWriter.Write(cube, [2, 8, 8], []));
        await Put("data/in/packed.npz", Npz.Write([("img", Galaxy(8, 0.5f), [8, 8])], compress: true));
        return store;
    }

    [Fact]
    public async Task RunAsync_FitsAndNpzWithEqxModel_WritesScoresSummaryAndPreviewsOfTopCutouts()
    {
        var store = await StoreAsync();
        var request = new JobRequest
        {
            Id = "job-formats",
            Kind = "score",
            Input = "data/in",
            Output = "data/out",
            Model = "models/tiny.eqx",
            Params = new JobParams(JsonNode.Parse("""{ "device": "cpu", "previews": 2 }""")!.AsObject()),
        };
        var context = new JobContext { Request = request, Store = store, Progress = new Progress<JobProgress>(), Logger = NullLogger.Instance, Device = "cpu" };
        Assert.Equal(JobOutcome.Completed, await new ScoreJobHandler().RunAsync(context, CancellationToken.None));

        var names = new List<string>();
        await foreach (var info in store.ListAsync("data/out/", CancellationToken.None)) names.Add(info.Path);
        var summary = (await store.ReadAsync("data/out/summary.csv", CancellationToken.None)).ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ids = summary.Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(["field.fits[0]#0", "field.fits[0]#1", "packed.npz:img"], ids.Order());

        // Previews go to the two cutouts with the largest max_abs_score (column 6 of summary.csv), in that order, plus the histogram.
        var byMax = summary.Skip(1).Select(l => l.Split(',')).OrderByDescending(f => double.Parse(f[5], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var previews = names.Where(n => n.StartsWith("data/out/previews/", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, previews.Count);
        Assert.Contains($"data/out/previews/rank-001_{Safe(byMax[0][0])}.png", previews);
        Assert.Contains($"data/out/previews/rank-002_{Safe(byMax[1][0])}.png", previews);
        Assert.Contains("data/out/previews/histogram.png", previews);
        using var png = SKBitmap.Decode((await store.ReadAsync(previews.First(p => p.Contains("rank-001", StringComparison.Ordinal)), CancellationToken.None)).ToArray());
        Assert.Equal(3 * 380, png.Width);

        // Score maps keep each file's shape: the FITS cube gives [2 x 8 x 8], the npz member one [1 x 8 x 8] stack.
        var fitsScores = (await store.ReadAsync("data/out/scores/field.fits.npy", CancellationToken.None)).ToArray();
        var npzScores = (await store.ReadAsync("data/out/scores/packed.npz.npy", CancellationToken.None)).ToArray();
        Assert.Equal([2, 8, 8], Npy.Read(fitsScores, "field").Shape);
        Assert.Equal([1, 8, 8], Npy.Read(npzScores, "packed").Shape);
    }

    [Fact]
    public async Task RunAsync_FitsOutputFormat_MapsEqualTheNpyRunAndAstropyReadsProvenance()
    {
        var store = await StoreAsync();
        async Task<byte[]> Run(string format, string output)
        {
            var request = new JobRequest
            {
                Id = $"job-{format}",
                Kind = "score",
                Input = "data/in",
                Output = output,
                Model = "models/tiny.eqx",
                Params = new JobParams(JsonNode.Parse($$"""{ "device": "cpu", "previews": 0, "format": "{{format}}" }""")!.AsObject()),
            };
            var context = new JobContext { Request = request, Store = store, Progress = new Progress<JobProgress>(), Logger = NullLogger.Instance, Device = "cpu" };
            Assert.Equal(JobOutcome.Completed, await new ScoreJobHandler().RunAsync(context, CancellationToken.None));
            var name = format == "fits" ? "scores/field.fits" : "scores/field.fits.npy";
            return (await store.ReadAsync($"{output}/{name}", CancellationToken.None)).ToArray();
        }
        var npy = Npy.Read(await Run("npy", "data/out-npy"), "npy");
        var fits = await Run("fits", "data/out-fits");
        var planes = FitsReader.ReadImages(fits, "field.fits");
        Assert.Equal(npy.Shape, Assert.Single(planes).Array.Shape);
        Assert.Equal(npy.Data, planes[0].Array.Data);

        var dir = ReferencePython.NewWorkDirectory("handler-fits");
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "field.fits"), fits);
            var r = ReferencePython.RunJson("""
                import json
                from astropy.io import fits
                h = fits.getheader('field.fits')
                print(json.dumps({k: h[k] for k in ('JOBID', 'MODEL', 'ARCH', 'TSCORE', 'TRANSFRM', 'INFILE', 'INHDU', 'NCUTOUT', 'SBVERSN', 'SBPREC')}))
                """, dir);
            Assert.Equal("job-fits", r.GetProperty("JOBID").GetString());
            Assert.Equal("models/tiny.eqx", r.GetProperty("MODEL").GetString());
            Assert.Equal("mixer", r.GetProperty("ARCH").GetString());
            Assert.Equal(0.02, r.GetProperty("TSCORE").GetDouble());
            Assert.StartsWith("log1p", r.GetProperty("TRANSFRM").GetString());
            Assert.Equal("field.fits", r.GetProperty("INFILE").GetString());
            Assert.Equal("[0]", r.GetProperty("INHDU").GetString());
            Assert.Equal(2, r.GetProperty("NCUTOUT").GetInt32());
            Assert.Equal("fp32", r.GetProperty("SBPREC").GetString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("SBVERSN").GetString()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Safe(string id) => new(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
}
