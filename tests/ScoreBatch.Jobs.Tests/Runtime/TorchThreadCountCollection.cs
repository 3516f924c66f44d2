namespace ScoreBatch.Jobs.Tests.Runtime;

/// <summary>
/// Tests that change libtorch's process-wide thread count (set_num_threads, restored afterwards) or check what a
/// fresh thread inherits from it: they run one after another, never beside each other, since a thread started while
/// another test has lowered the count inherits the lowered value (a clean-clone CI run saw 1 instead of 2).
/// </summary>
[CollectionDefinition(Name)]
public sealed class TorchThreadCountCollection
{
    public const string Name = "torch thread count";
}
