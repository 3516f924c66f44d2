using ScoreBatch.Jobs.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Tests.Runtime;

public class RuntimeTests
{
    [Fact]
    public void NativeMemoryTuning_OnGlibcLinux_IsApplied()
    {
        // The module initializer applied it; on glibc every mallopt setting is accepted (1 GiB threshold on 2.36+,
        // 32 MiB fallback before), so a false here means the worker would silently run 3-5x slower.
        Assert.True(OperatingSystem.IsLinux());
        Assert.True(NativeMemoryTuning.Apply());
        Assert.True(NativeMemoryTuning.IsApplied);
    }

    [Fact]
    public void Resolve_Cpu_ReturnsCpuDevice() => Assert.Equal(DeviceType.CPU, TorchDevices.Resolve("cpu").type);

    [Fact]
    public void Resolve_Auto_PicksCudaOnlyWhenAvailable()
    {
        var expected = cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.Equal(expected, TorchDevices.Resolve("auto").type);
    }

    [Fact]
    public void Resolve_UnknownName_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => TorchDevices.Resolve("tpu"));
        Assert.Contains("'tpu'", e.Message);
    }
}
