using System.Runtime.CompilerServices;
using ScoreBatch.Jobs.Runtime;

namespace ScoreBatch.Jobs.Tests;

/// <summary>Applies the product's allocator tuning before any test touches torch, as the worker does at start.</summary>
internal static class TestProcessSetup
{
    [ModuleInitializer]
    internal static void Initialize() => NativeMemoryTuning.Apply();
}
