using ScoreBatch.Jobs.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Training;

public class AdamOptimizerTests
{
    [Fact]
    public void Step_FiveSteps_BitIdenticalToTorchSharpsAdamStep()
    {
        // AdamOptimizer does Adam.step's update itself (with Scalars that cannot be freed mid-call, see
        // TorchScalars); it must stay TorchSharp's Adam bit for bit: parameters after every step, and the state
        // it saves (after its own 12-byte header), so checkpoints written before and after the change agree.
        // Three parameters of different shapes; the second gets no gradient at step 3 and must be skipped. They
        // start near 0 so that the last bits of each update show in them (a denominator computed as a product with
        // 1/sqrt(c2) instead of a quotient by sqrt(c2) fails this test).
        using var scope = NewDisposeScope();
        using var generator = new Generator(21);
        long[][] shapes = [[64, 32], [50], [4, 4, 4]];
        var initial = shapes.Select(s => randn(s, generator: generator) * 1e-3).ToArray();
        var ours = initial.Select(t => new Parameter(t.clone())).ToArray();
        var theirs = initial.Select(t => new Parameter(t.clone())).ToArray();
        using var optimizer = new AdamOptimizer(ours, lr: 0.01);
        using var reference = optim.Adam(theirs, 0.01);
        for (var step = 1; step <= 5; step++)
        {
            for (var i = 0; i < shapes.Length; i++)
            {
                var grad = step == 3 && i == 1 ? null : randn(shapes[i], generator: generator);
                ours[i].grad = grad?.clone();
                theirs[i].grad = grad?.clone();
            }
            optimizer.Step();
            reference.step();
            for (var i = 0; i < shapes.Length; i++)
                Assert.Equal(theirs[i].data<float>().ToArray(), ours[i].data<float>().ToArray());
        }
        Assert.Equal(5, optimizer.StepCount);

        using var ourState = new MemoryStream();
        using (var writer = new BinaryWriter(ourState, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.SaveState(writer);
        using var theirState = new MemoryStream();
        using (var writer = new BinaryWriter(theirState, System.Text.Encoding.UTF8, leaveOpen: true)) reference.save_state_dict(writer);
        Assert.Equal(theirState.ToArray(), ourState.ToArray()[(sizeof(int) + sizeof(long))..]);
    }
}
