namespace ScoreBatch.Storage.Formats;

/// <summary>
/// One single-band image [Height x Width] (row-major <see cref="Pixels"/>) with a stable id that names its source:
/// "file.npy" for a single image, "file.npy#17" for index 17 of a stack, "file.fits[SCI]#3" for a cube plane, ...
/// The id appears in summary.csv and output names so every row can be traced back to its source.
/// </summary>
public sealed record Cutout(string Id, int Height, int Width, float[] Pixels);
