using TorchSharp;

namespace ScoreBatch.Jobs.Tests;

public class TorchLoadsTests
{
    [Fact]
    public void Torch_MatrixProduct_MatchesHandComputedValue()
    {
        // [[1,2],[3,4]] @ [[5],[6]] = [[17],[39]]: proves the native library loaded and computes.
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = torch.tensor(new float[] { 5, 6 }, [2, 1]);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 17, 39 }, c.data<float>().ToArray());
    }
}
