using System.Text.Json;

namespace ToolRL.Torch.Tests;

/// <summary>Creation, data round trips, dtypes, devices, autograd basics, threads and seeded randomness.</summary>
public sealed class TensorTests
{
    private static readonly JsonElement Random = Fixture.Load("ops.json").GetProperty("random");

    /// <summary>
    /// Element-wise ops skip libtorch's autograd layer when no operand requires grad (native/src/bridge.h): the
    /// result must still be a plain leaf, and a single grad-requiring operand (either side) must still be tracked.
    /// d/db sum(−(a·b + 2b)) = −(a + 2).
    /// </summary>
    [Fact]
    public void ElementWiseOpsTrackGradOnlyWhenAnOperandRequiresIt()
    {
        using var scope = torch.NewScope();
        var a = torch.Arange(0, 3);
        var plain = a * a + 1;
        Assert.False(plain.RequiresGrad);
        Assert.True(plain.IsLeaf);
        var b = torch.Ones([3]);
        b.RequiresGrad = true;
        var y = (a * b + b * 2).Neg();
        Assert.True(y.RequiresGrad);
        Assert.False(y.IsLeaf);
        y.Sum().Backward();
        Assert.Equal([-2f, -3f, -4f], b.Grad!.ToArray<float>());
    }

    [Fact]
    public void EveryDTypeRoundTripsThroughArrays()
    {
        using var scope = torch.NewScope();
        Assert.Equal([1.5f, -2f], torch.FromArray([1.5f, -2f]).ToArray<float>());
        Assert.Equal([1.5, -2.0], torch.FromArray([1.5, -2.0]).ToArray<double>());
        Assert.Equal([(Half)1.5, (Half)(-2)], torch.FromArray([(Half)1.5, (Half)(-2)]).ToArray<Half>());
        Assert.Equal([long.MaxValue, -3L], torch.FromArray([long.MaxValue, -3L]).ToArray<long>());
        Assert.Equal([int.MinValue, 7], torch.FromArray([int.MinValue, 7]).ToArray<int>());
        Assert.Equal([(byte)255, (byte)0], torch.FromArray([(byte)255, (byte)0]).ToArray<byte>());
        Assert.Equal([true, false], torch.FromArray([true, false]).ToArray<bool>());
        var bf = torch.FromArray([1.5f, -2f, 3.140625f]).To(DType.BFloat16);
        Assert.Equal(DType.BFloat16, bf.DType);
        Assert.Equal([1.5f, -2f, 3.140625f], bf.ToArray<float>());
    }

    [Fact]
    public void ShapeAndMetadataAreReported()
    {
        using var scope = torch.NewScope();
        var t = torch.Zeros([2, 3, 4], DType.Float64);
        Assert.Equal([2L, 3, 4], t.Shape);
        Assert.Equal(3, t.Dim);
        Assert.Equal(24, t.NumEl);
        Assert.Equal(4, t.Size(-1));
        Assert.Equal(DType.Float64, t.DType);
        Assert.Equal(Device.Cpu, t.Device);
        Assert.False(t.Transpose(0, 2).IsContiguous);
        Assert.True(t.Transpose(0, 2).SharesStorageWith(t));
        Assert.Equal("Tensor(Float64, [2, 3, 4], cpu)", t.ToString());
    }

    [Fact]
    public void FactoriesFillAsTorchDoes()
    {
        using var scope = torch.NewScope();
        Assert.Equal([0L, 2, 4], torch.Arange(0, 6, 2).ToArray<long>());
        Assert.Equal([7f, 7f], torch.Full([2], 7).ToArray<float>());
        Assert.Equal([1f, 1f, 1f], torch.OnesLike(torch.Zeros([3])).ToArray<float>());
        Assert.Equal(DType.Int32, torch.ZerosLike(torch.Zeros([3]), DType.Int32).DType);
        Assert.Equal(2.5, torch.Scalar(2.5).ItemDouble());
        Assert.Equal([0f, 0.5f, 1f], torch.Linspace(0, 1, 3).ToArray<float>());
    }

    [Fact]
    public void IntegerTensorsStayIntegerWithIntegralScalars()
    {
        using var scope = torch.NewScope();
        var ids = torch.FromArray([1L, 2L]);
        var shifted = ids + 1;
        Assert.Equal(DType.Int64, shifted.DType);
        Assert.Equal([2L, 3L], shifted.ToArray<long>());
        Assert.Equal(DType.Float32, (ids + 0.5).DType);
    }

    [Fact]
    public void SeededGeneratorsReproducePyTorchDraws()
    {
        using var scope = torch.NewScope();
        using (var g = new Generator(42)) { Fixture.AssertClose(Random.GetProperty("randn"), torch.Randn([2, 3], g), 1e-6, "randn"); }
        using (var g = new Generator(43)) { Fixture.AssertClose(Random.GetProperty("rand"), torch.Rand([4], g), 1e-6, "rand"); }
        using (var g = new Generator(44)) { Fixture.AssertClose(Random.GetProperty("randint"), torch.RandInt(0, 100, [5], g), 0, "randint"); }
        using (var g = new Generator(45))
        {
            var probs = torch.FromArray([0.1f, 0.2f, 0.7f, 0.5f, 0.5f, 0f], 2, 3);
            Fixture.AssertClose(Random.GetProperty("multinomial"), torch.Multinomial(probs, 4, replacement: true, g), 0, "multinomial");
        }
        using (var g = new Generator(46)) { Fixture.AssertClose(Random.GetProperty("randperm"), torch.RandPerm(6, g), 0, "randperm"); }
        torch.ManualSeed(47);
        Fixture.AssertClose(Random.GetProperty("manual_seed_randn"), torch.Randn([3]), 1e-6, "manual_seed randn");
    }

    [Fact]
    public void GeneratorStateRestoresTheSequence()
    {
        using var scope = torch.NewScope();
        using var g = new Generator(5);
        var state = g.GetState();
        var first = torch.Randn([4], g).ToArray<float>();
        g.SetState(state);
        Assert.Equal(first, torch.Randn([4], g).ToArray<float>());
        Assert.Equal(5, g.Seed);
    }

    [Fact]
    public void BackwardAccumulatesAndNoGradStopsRecording()
    {
        using var scope = torch.NewScope();
        var x = torch.FromArray([1f, 2f, 3f]);
        x.RequiresGrad = true;
        (x * x).Sum().Backward();
        Assert.Equal([2f, 4f, 6f], x.Grad!.ToArray<float>());
        (x * 2).Sum().Backward();
        Assert.Equal([4f, 6f, 8f], x.Grad!.ToArray<float>());
        x.ZeroGrad();
        Assert.Null(x.Grad);
        using (torch.NoGrad())
        {
            Assert.False(torch.IsGradEnabled);
            Assert.False((x * 2).RequiresGrad);
        }
        Assert.True(torch.IsGradEnabled);
        Assert.False(x.Detach().RequiresGrad);
        var y = x * 3;
        y.Backward(torch.FromArray([1f, 0f, 2f]));
        Assert.Equal([3f, 0f, 6f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void InferenceModeMarksTensorsAndRestores()
    {
        using var scope = torch.NewScope();
        var w = torch.Ones([2]);
        w.RequiresGrad = true;
        Tensor y;
        using (torch.InferenceMode())
        {
            Assert.True(torch.IsInferenceMode);
            y = w * 2;
            Assert.False(y.RequiresGrad);
            Assert.True(y.IsInference);
        }
        Assert.False(torch.IsInferenceMode);
        Assert.Equal([2f, 2f], y.ToArray<float>());
        Assert.True((w * 2).RequiresGrad);
    }

    [Fact]
    public void SliceAssignWritesIntoAPreallocatedBuffer()
    {
        using var scope = torch.NewScope();
        var cache = torch.Zeros([2, 5]);
        cache.SliceAssign(1, 2, torch.Ones([2, 2]));
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f, 0f, 1f, 1f, 0f], cache.ToArray<float>());
        cache.Narrow(1, 0, 1).CopyFrom(torch.Full([2, 1], 9));
        Assert.Equal(9f, cache.ToArray<float>()[5]);
    }
}
