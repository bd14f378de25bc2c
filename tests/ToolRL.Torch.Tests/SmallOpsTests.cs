namespace ToolRL.Torch.Tests;

/// <summary>
/// The bridge's small-tensor arithmetic path (native/src/small_ops.cpp) must give bit-for-bit what libtorch's own
/// kernels give. The reference is libtorch itself: the same values as non-contiguous views (every other element of
/// a wider buffer) do not qualify for the fast path and go through TensorIterator.
/// </summary>
public sealed class SmallOpsTests
{
    private static readonly float[] FloatEdges =
    [
        0f, -0f, 1f, -1f, 0.1f, 1e-38f, 1e-45f, -1e-45f, 3.4e38f, -3.4e38f, float.PositiveInfinity, float.NegativeInfinity,
        float.NaN, 7.25f, -123456.7f, 1e-7f,
    ];

    private static readonly long[] LongEdges = [0, 1, -1, long.MaxValue, long.MinValue, 3, -7, 1L << 40, int.MaxValue, -(1L << 62), 12345, 99];

    [Fact]
    public void Float32ArithmeticEqualsLibtorchBitForBit()
    {
        using var scope = torch.NewScope();
        var random = new Random(3);
        var a = FloatEdges.Concat(Enumerable.Range(0, 48).Select(_ => (float)(random.NextDouble() * 200 - 100))).ToArray();
        var b = a.Reverse().Select((v, i) => i % 5 == 0 ? v * 1e-30f : v).ToArray();
        foreach (var op in BinaryOps)
        {
            AssertSameBits(op.Fast(torch.FromArray(a), torch.FromArray(b)), op.Fast(Strided(a), Strided(b)), op.Name);
        }
        foreach (var s in new[] { 0.1, -3.0, 1e-40, 1e300, double.NaN, double.NegativeInfinity, 2.5 })
        {
            foreach (var op in ScalarOps)
            {
                AssertSameBits(op.Fast(torch.FromArray(a), s), op.Fast(Strided(a), s), $"{op.Name} {s}");
            }
        }
    }

    [Fact]
    public void Float64ArithmeticEqualsLibtorchBitForBit()
    {
        using var scope = torch.NewScope();
        var random = new Random(4);
        var a = FloatEdges.Select(v => (double)v).Concat([1e-310, double.MaxValue]).Concat(Enumerable.Range(0, 30).Select(_ => random.NextDouble() * 2e6 - 1e6)).ToArray();
        var b = a.Reverse().ToArray();
        foreach (var op in BinaryOps)
        {
            AssertSameBits(op.Fast(torch.FromArray(a), torch.FromArray(b)), op.Fast(Strided(a), Strided(b)), op.Name);
        }
        foreach (var op in ScalarOps)
        {
            AssertSameBits(op.Fast(torch.FromArray(a), 0.3), op.Fast(Strided(a), 0.3), op.Name);
        }
    }

    [Fact]
    public void IntegerArithmeticWrapsLikeLibtorch()
    {
        using var scope = torch.NewScope();
        var b = LongEdges.Reverse().ToArray();
        foreach (var op in BinaryOps.Where(o => o.Name != "div"))
        {
            Assert.Equal(op.Fast(Strided(LongEdges), Strided(b)).ToArray<long>(), op.Fast(torch.FromArray(LongEdges), torch.FromArray(b)).ToArray<long>());
            var ints = LongEdges.Select(v => unchecked((int)v)).ToArray();
            var intsB = b.Select(v => unchecked((int)v)).ToArray();
            Assert.Equal(op.Fast(Strided(ints), Strided(intsB)).ToArray<int>(), op.Fast(torch.FromArray(ints), torch.FromArray(intsB)).ToArray<int>());
        }
        foreach (var op in ScalarOps.Where(o => o.Name != "div"))
        {
            Assert.Equal(op.Fast(Strided(LongEdges), 5).ToArray<long>(), op.Fast(torch.FromArray(LongEdges), 5).ToArray<long>());
        }
        Assert.Equal([long.MinValue], (torch.FromArray([long.MaxValue]) + torch.FromArray([1L])).ToArray<long>());
    }

    /// <summary>Cases outside the fast path still follow libtorch's rules: promotion, broadcasting, grad.</summary>
    [Fact]
    public void CasesOutsideTheFastPathKeepLibtorchSemantics()
    {
        using var scope = torch.NewScope();
        var ints = torch.FromArray([1L, 2L, 3L]);
        var half = ints + 0.5;                                   // non-integral scalar: promotes to float32
        Assert.Equal(DType.Float32, half.DType);
        Assert.Equal([1.5f, 2.5f, 3.5f], half.ToArray<float>());
        var quotient = ints / torch.FromArray([2L, 2L, 2L]);     // true division promotes
        Assert.Equal([0.5f, 1f, 1.5f], quotient.ToArray<float>());
        var mixed = torch.FromArray([1f, 2f, 3f]) + torch.FromArray([1.0, 1.0, 1.0]);
        Assert.Equal(DType.Float64, mixed.DType);
        var broadcast = torch.FromArray([1f, 2f, 3f, 4f], 2, 2) + torch.FromArray([10f, 20f]);
        Assert.Equal([11f, 22f, 13f, 24f], broadcast.ToArray<float>());
        var w = torch.FromArray([1f, 2f]);
        w.RequiresGrad = true;
        var y = w * torch.FromArray([3f, 4f]);
        Assert.True(y.RequiresGrad);
        y.Sum().Backward();
        Assert.Equal([3f, 4f], w.Grad!.ToArray<float>());
    }

    private sealed record BinaryOp(string Name, Func<Tensor, Tensor, Tensor> Fast);

    private sealed record ScalarOp(string Name, Func<Tensor, double, Tensor> Fast);

    private static readonly BinaryOp[] BinaryOps =
    [
        new("add", (x, y) => x + y), new("sub", (x, y) => x - y), new("mul", (x, y) => x * y), new("div", (x, y) => x / y),
    ];

    private static readonly ScalarOp[] ScalarOps =
    [
        new("add", (x, s) => x + s), new("sub", (x, s) => x - s), new("mul", (x, s) => x * s), new("div", (x, s) => x / s),
    ];

    /// <summary>The values as a non-contiguous view: element i of a buffer twice as long, at offset 2i.</summary>
    private static Tensor Strided<T>(T[] values) where T : unmanaged
    {
        var wide = new T[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            wide[2 * i] = values[i];
        }
        var view = torch.FromArray(wide, values.Length, 2).Select(1, 0);
        Assert.False(view.IsContiguous);
        return view;
    }

    private static void AssertSameBits(Tensor fast, Tensor reference, string what)
    {
        Assert.Equal(reference.DType, fast.DType);
        Assert.True(fast.IsContiguous);
        var expected = reference.To(DType.Float64).ToArray<double>().Select(BitConverter.DoubleToInt64Bits).ToArray();
        var actual = fast.To(DType.Float64).ToArray<double>().Select(BitConverter.DoubleToInt64Bits).ToArray();
        Assert.True(expected.SequenceEqual(actual), $"{what}: results differ from libtorch's kernel");
    }
}
