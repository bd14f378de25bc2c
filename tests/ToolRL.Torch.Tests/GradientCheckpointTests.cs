using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>The bridge's checkpoint Function: same output and gradients as the plain call, also when its input
/// needs no gradient (frozen embedding), and a failure inside the function surfaces as an error with its message.</summary>
public sealed class GradientCheckpointTests
{
    private static Tensor Layer(Tensor x, Tensor w, Tensor c) => (x.MatMul(w) + c).Tanh() * x;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GradientsEqualThePlainCall(bool inputNeedsGradient)
    {
        using var scope = torch.NewScope();
        using var g = new Generator(9);
        var w = torch.Randn([4, 4], g);
        w.RequiresGrad = true;
        var c = torch.Randn([4], g);
        var x0 = torch.Randn([3, 4], g);
        x0.RequiresGrad = inputNeedsGradient;

        var plainY = Layer(x0, w, c);
        plainY.Square().Sum().Backward();
        var plainW = w.Grad!;
        var plainX = inputNeedsGradient ? x0.Grad! : null;
        w.ZeroGrad();
        x0.ZeroGrad();

        var y = GradientCheckpoint.Apply(x0, [c], (x, k) => Layer(x, w, k[0]!));
        c.Dispose();   // the checkpoint keeps its own handle to captured tensors
        Assert.True(y.AllClose(plainY, 0, 0));
        y.Square().Sum().Backward();
        Assert.True(w.Grad!.AllClose(plainW, 1e-6, 1e-7));
        if (plainX is not null)
        {
            Assert.True(x0.Grad!.AllClose(plainX, 1e-6, 1e-7));
        }
    }

    [Fact]
    public void AFailingFunctionSurfacesItsMessage()
    {
        using var scope = torch.NewScope();
        var x = torch.Ones([2]);
        x.RequiresGrad = true;
        var e = Assert.ThrowsAny<Exception>(() =>
            GradientCheckpoint.Apply(x, [], (_, _) => throw new InvalidOperationException("layer exploded")));
        Assert.Contains("layer exploded", e.Message);
    }
}
