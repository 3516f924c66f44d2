using TorchSharp;
using static TorchSharp.torch;

namespace ScoreBatch.Jobs.Runtime;

/// <summary>
/// Tensor arithmetic with a number, written so that the number's native <see cref="Scalar"/> stays alive for the
/// whole native call. Use these instead of <c>tensor * 0.5</c>, <c>x + 1</c>, <c>a + b</c>, <c>square()</c>,
/// <c>clamp_min(1e-5)</c>, <c>full(shape, 0.02)</c>, <c>arange(n)</c>, <c>add_(t)</c> and the like on every path
/// that runs in a job.
/// <para>
/// Why: TorchSharp's <see cref="Scalar"/> is a class that wraps a native <c>c10::Scalar*</c> and frees it in a
/// finalizer. A temporary Scalar (an implicit conversion such as <c>tensor * 0.5</c>, or one TorchSharp makes
/// inside a method: <c>add(Tensor)</c>, <c>add_(Tensor)</c>, <c>add(Scalar)</c> and <c>add_(Scalar)</c> pass an
/// alpha of 1, <c>square()</c> a power of 2, <c>addcdiv(a, b)</c> a value of 1, <c>arange(n)</c> a start and a
/// step) is unreachable as soon as its handle has been read, while the native call that uses it is still running.
/// With full-opt JIT (the worker runs without tiered compilation) a garbage collection started by any other thread
/// can finalize it mid-call, and libtorch then reads freed memory: the job fails with
/// <c>System.Runtime.InteropServices.ExternalException: Expected false to be true, but got false ... Exception
/// raised from toFloat at /pytorch/c10/core/Scalar.h:140</c> (or "Unknown scalar type."), e.g. from
/// <c>MixerBlock.forward</c>'s residual <c>h.add_(z)</c> (scoring 512 cutouts at 32² while another thread
/// allocated and collected: 23 rounds in 200 failed).
/// </para>
/// <para>
/// How: constants are process-lifetime Scalars held by static properties (rooted, never disposed, safe to share
/// between threads: libtorch only reads them). A computed value gets its Scalar from <c>using var s =
/// value.ToScalar();</c> before the TorchSharp overload that takes a Scalar: the <c>using</c> disposes it after
/// the call returns, so it is reachable for the whole call. Each helper does exactly the operation (same kernel,
/// same alpha, same Scalar type) that the operator or method it replaces does, so results are bit-identical.
/// Do not "simplify" a call back to the operator: the race comes back and no test catches it every time.
/// </para>
/// <para>
/// Tensors have the same finalizer: an intermediate such as <c>log1p(x)</c> in <c>log1p(x).div(s)</c> is just as
/// unreachable during the second call, and freeing it there crashes the process (SIGSEGV) instead of throwing.
/// A dispose scope roots every tensor made inside it, so chains of tensor operations run inside
/// <c>NewDisposeScope()</c> even where a caller may have none (a train job's transform of its whole stack).
/// </para>
/// </summary>
internal static class TorchScalars
{
    /// <summary>0 (int), the start that <c>arange(stop)</c> uses.</summary>
    public static Scalar Zero { get; } = 0.ToScalar();

    /// <summary>1 (int), the alpha that TorchSharp's <c>add</c>/<c>add_</c> pass when none is given.</summary>
    public static Scalar One { get; } = 1.ToScalar();

    /// <summary>2 (int), the power that TorchSharp's <c>square()</c> passes to <c>pow</c>.</summary>
    public static Scalar Two { get; } = 2.ToScalar();

    /// <summary><c>a + b</c> for two tensors (broadcasting): add with alpha 1.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary><c>a + value</c>; use with the constants here (<c>x.Plus(One)</c> is <c>x + 1</c>).</summary>
    public static Tensor Plus(this Tensor a, Scalar value) => a.add(value, One);

    /// <summary><c>a + value</c>.</summary>
    public static Tensor Plus(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.add(s, One);
    }

    /// <summary><c>a - value</c>.</summary>
    public static Tensor Minus(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.sub(s);
    }

    /// <summary><c>a * value</c>.</summary>
    public static Tensor Times(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.mul(s);
    }

    /// <summary><c>a / value</c> (true division).</summary>
    public static Tensor DividedBy(this Tensor a, double value)
    {
        using var s = value.ToScalar();
        return a.div(s);
    }

    /// <summary><c>a.square()</c>: a to the power 2.</summary>
    public static Tensor Squared(this Tensor a) => a.pow(Two);

    /// <summary><c>a.clamp_min(min)</c>.</summary>
    public static Tensor ClampMin(this Tensor a, double min)
    {
        using var s = min.ToScalar();
        return a.clamp_min(s);
    }

    /// <summary><c>a.add_(b)</c>: adds <paramref name="b"/> into <paramref name="a"/> in place, returns <paramref name="a"/>.</summary>
    public static Tensor AddInPlace(this Tensor a, Tensor b) => a.add_(b, One);

    /// <summary><c>a.add_(b, alpha)</c>: adds <paramref name="alpha"/>·<paramref name="b"/> into <paramref name="a"/> in place, returns <paramref name="a"/>.</summary>
    public static Tensor AddScaledInPlace(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add_(b, s);
    }

    /// <summary><c>a + alpha·b</c> (a new tensor).</summary>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double alpha)
    {
        using var s = alpha.ToScalar();
        return a.add(b, s);
    }

    /// <summary><c>full(shape, value, dtype, device)</c>.</summary>
    public static Tensor Full(long[] shape, double value, ScalarType dtype, Device? device = null)
    {
        using var s = value.ToScalar();
        return full(shape, s, dtype, device);
    }

    /// <summary><c>arange(stop, dtype)</c>: 0, 1, ..., stop - 1.</summary>
    public static Tensor Arange(int stop, ScalarType dtype)
    {
        using var s = stop.ToScalar();
        return arange(Zero, s, One, dtype); // device: CPU, for the time sampler's CPU draws (moved by the trainer)
    }
}
