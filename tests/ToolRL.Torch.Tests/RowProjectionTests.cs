using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The decode-step projection (AVX2 kernel up to 16 rows, GEMM beyond) against the plain float64 product x·Wᵀ,
/// including a hidden size that is not a multiple of the kernel's 8 lanes and a tail of the vocabulary.
/// </summary>
public sealed class RowProjectionTests
{
    [Theory]
    [InlineData(1, 64)]
    [InlineData(3, 37)]
    [InlineData(8, 896)]
    [InlineData(16, 13)]
    [InlineData(17, 40)]    // above the kernel's row limit: the GEMM path
    public void RowsTimesWeightTransposedEqualsTheFloat64Product(long rows, long hidden)
    {
        using var scope = torch.NewScope();
        using var g = new Generator(5);
        var x = torch.Randn([rows, hidden], g);
        var w = torch.Randn([3001, hidden], g);
        var expected = x.To(DType.Float64).MatMul(w.To(DType.Float64).T());
        var actual = RowProjection.Compute(x, w);
        Assert.Equal([rows, 3001L], actual.Shape);
        Assert.Equal(DType.Float32, actual.DType);
        Assert.True(actual.To(DType.Float64).AllClose(expected, 1e-5, 1e-4));
    }

    [Theory]
    [InlineData(4, 64)]
    [InlineData(17, 40)]
    public void BiasIsAddedToEveryRow(long rows, long hidden)
    {
        using var scope = torch.NewScope();
        using var g = new Generator(7);
        var x = torch.Randn([rows, hidden], g);
        var w = torch.Randn([301, hidden], g);
        var b = torch.Randn([301], g);
        var expected = x.To(DType.Float64).MatMul(w.To(DType.Float64).T()) + b.To(DType.Float64);
        Assert.True(RowProjection.Compute(x, w, b).To(DType.Float64).AllClose(expected, 1e-5, 1e-4));
        var e = Assert.ThrowsAny<Exception>(() => RowProjection.Compute(x, w, torch.Zeros([300])));
        Assert.Contains("bias", e.Message);
    }

    [Fact]
    public void WithGradientsRecordedItIsDifferentiable()
    {
        using var scope = torch.NewScope();
        using var g = new Generator(6);
        var x = torch.Randn([2, 8], g);
        x.RequiresGrad = true;
        var w = torch.Randn([50, 8], g);
        RowProjection.Compute(x, w).Sum().Backward();
        Assert.True(x.Grad!.AllClose(w.Sum(0).Unsqueeze(0).Expand(2, 8), 1e-5, 1e-6));
    }

    [Fact]
    public void MismatchedShapesAreRefusedWithTheShapes()
    {
        using var scope = torch.NewScope();
        var e = Assert.ThrowsAny<Exception>(() => RowProjection.Compute(torch.Zeros([2, 8]), torch.Zeros([50, 7])));
        Assert.Contains("[50, 7]", e.Message);
    }
}
