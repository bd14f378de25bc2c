using ToolRL.Torch.Native;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

#pragma warning disable CS8981, IDE1006 // lower-case on purpose: see Torch.cs
public static partial class torch
#pragma warning restore CS8981, IDE1006
{
    /// <summary>Standard normal samples (the default generator unless <paramref name="generator"/> is given).</summary>
    public static Tensor Randn(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(shape, RandomKind.Normal, 0, 0, generator, dtype, device);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(shape, RandomKind.Uniform, 0, 0, generator, dtype, device);

    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Generator? generator = null, DType dtype = DType.Int64, Device? device = null) =>
        Random(shape, RandomKind.Integer, low, high, generator, dtype, device);

    private static unsafe Tensor Random(long[] shape, RandomKind kind, long low, long high, Generator? generator, DType dtype, Device? device)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var d = device ?? Device.Cpu;
        IntPtr r;
        fixed (long* p = shape)
        {
            r = trl_random(p, shape.Length, (int)kind, low, high, generator?.Handle ?? IntPtr.Zero, (int)dtype, (int)d.Type, d.Index);
        }
        GC.KeepAlive(generator);
        return Tensor.Wrap(r);
    }

    /// <summary>A random permutation of 0..n−1.</summary>
    public static Tensor RandPerm(long n, Generator? generator = null, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        var r = trl_randperm(n, generator?.Handle ?? IntPtr.Zero, (int)d.Type, d.Index);
        GC.KeepAlive(generator);
        return Tensor.Wrap(r);
    }

    /// <summary>
    /// <paramref name="numSamples"/> indices drawn from each row of <paramref name="probs"/> (non-negative weights,
    /// not necessarily normalised), as torch.multinomial.
    /// </summary>
    public static Tensor Multinomial(Tensor probs, long numSamples, bool replacement = false, Generator? generator = null)
    {
        var r = trl_multinomial(probs.Handle, numSamples, replacement ? 1 : 0, generator?.Handle ?? IntPtr.Zero);
        GC.KeepAlive(probs);
        GC.KeepAlive(generator);
        return Tensor.Wrap(r);
    }

    /// <summary>Fills <paramref name="tensor"/> in place with normal samples N(mean, std²) (nn.init.normal_).</summary>
    public static Tensor NormalInPlace(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null) =>
        RandomInPlace(tensor, RandomFillKind.Normal, mean, std, generator);

    /// <summary>Fills <paramref name="tensor"/> in place with uniform samples in [low, high) (nn.init.uniform_).</summary>
    public static Tensor UniformInPlace(Tensor tensor, double low = 0, double high = 1, Generator? generator = null) =>
        RandomInPlace(tensor, RandomFillKind.Uniform, low, high, generator);

    private static Tensor RandomInPlace(Tensor tensor, RandomFillKind kind, double a, double b, Generator? generator)
    {
        Check(trl_random_(tensor.Handle, (int)kind, a, b, generator?.Handle ?? IntPtr.Zero));
        GC.KeepAlive(tensor);
        GC.KeepAlive(generator);
        return tensor;
    }
}
