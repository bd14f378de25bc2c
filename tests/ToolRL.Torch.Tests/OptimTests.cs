using System.Text.Json;
using ToolRL.Torch.NN;
using ToolRL.Torch.Optim;

namespace ToolRL.Torch.Tests;

/// <summary>AdamW and clipping against torch.optim.AdamW / clip_grad_norm_ (Fixtures/optim.json); schedules against their formulas.</summary>
public sealed class OptimTests
{
    private static readonly JsonElement Root = Fixture.Load("optim.json");

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    [Fact]
    public void AdamWTwentyStepsMatchTorchOptimAdamW()
    {
        var f = Root.GetProperty("adamw");
        using var scope = torch.NewScope();
        var x = torch.FromArray(Floats(f.GetProperty("x")), 6, 4);
        var y = torch.FromArray(Floats(f.GetProperty("y")), 6, 3);
        using var w = new Parameter(torch.FromArray(Floats(f.GetProperty("w0")), 3, 4));
        using var b = new Parameter(torch.FromArray(Floats(f.GetProperty("b0")), 3));
        using var opt = new AdamW([w, b], lr: f.GetProperty("lr").GetDouble(), beta1: f.GetProperty("beta1").GetDouble(),
            beta2: f.GetProperty("beta2").GetDouble(), eps: f.GetProperty("eps").GetDouble(), weightDecay: f.GetProperty("weight_decay").GetDouble());
        var step = 0;
        foreach (var expected in f.GetProperty("steps").EnumerateArray())
        {
            using var stepScope = torch.NewScope();
            opt.ZeroGrad();
            var residual = x.MatMul(w.T()) + b - y;
            var loss = residual.Square().Mean() + 0.1 * w.Square().Sum();
            Assert.Equal(expected.GetProperty("loss").GetDouble(), loss.ItemDouble(), 5);
            loss.Backward();
            opt.Step();
            step++;
            AssertAll(Floats(expected.GetProperty("w")), w.ToArray<float>(), 1e-6, $"w after step {step}");
            AssertAll(Floats(expected.GetProperty("b")), b.ToArray<float>(), 1e-6, $"b after step {step}");
        }
        Assert.Equal(20, opt.StepCount);
    }

    /// <summary>
    /// A parameter large enough for the fused kernel's 8-lane body (20,003 elements, weight decay on): after three steps
    /// its float32 bits equal torch.optim.AdamW's (Fixtures/optim.json, made by tools/torch/make_optim_fixtures.py with
    /// the same formula for the initial values and gradients).
    /// </summary>
    [Fact]
    public void FusedAdamWGivesTorchOptimAdamWsBits()
    {
        var f = Root.GetProperty("adamw_bits");
        var n = f.GetProperty("n").GetInt32();
        using var scope = torch.NewScope();
        var start = Enumerable.Range(0, n).Select(i => (float)((i * 7919L % 2001 - 1000) / 1000.0)).ToArray();
        using var w = new Parameter(torch.FromArray(start, n));
        using var opt = new AdamW([w], lr: f.GetProperty("lr").GetDouble(), beta1: f.GetProperty("beta1").GetDouble(),
            beta2: f.GetProperty("beta2").GetDouble(), eps: f.GetProperty("eps").GetDouble(), weightDecay: f.GetProperty("weight_decay").GetDouble());
        for (var t = 1; t <= f.GetProperty("steps").GetInt32(); t++)
        {
            using var stepScope = torch.NewScope();
            var grad = Enumerable.Range(0, n).Select(i => (float)(((i * 104729L + t * 15485863L) % 4001 - 2000) / 1000.0)).ToArray();
            opt.ZeroGrad();
            (w * torch.FromArray(grad, n)).Sum().Backward();             // ∂/∂w = the gradient, exactly
            opt.Step();
        }
        var expected = Convert.FromBase64String(f.GetProperty("p_float32_base64").GetString()!);
        var actual = w.ToArray<float>();
        var differing = Enumerable.Range(0, n).Count(i => BitConverter.ToInt32(expected, 4 * i) != BitConverter.SingleToInt32Bits(actual[i]));
        Assert.True(differing == 0, $"{differing} of {n} elements differ from torch.optim.AdamW's bits");
    }

    [Fact]
    public void AdamWStateSurvivesSaveAndLoad()
    {
        using var scope = torch.NewScope();
        using var g = new Generator(3);
        using var p1 = new Parameter(torch.Randn([4, 3], g));
        using var p2 = new Parameter(p1.Clone());
        using var opt1 = new AdamW([p1], lr: 0.1);
        using var opt2 = new AdamW([p2], lr: 0.1);
        void StepOn(Parameter p, AdamW opt)
        {
            using var s = torch.NewScope();
            opt.ZeroGrad();
            (p.Square().Sum() + p.Sum()).Backward();
            opt.Step();
        }
        for (var i = 0; i < 3; i++)
        {
            StepOn(p1, opt1);
        }
        p2.SetData(p1.Detach().Clone());
        // Through a file, as a trainer checkpoint does.
        var path = Path.Combine(Path.GetTempPath(), $"toolrl-adamw-{Guid.NewGuid():N}.safetensors");
        try
        {
            IO.Safetensors.Save(path, opt1.StateDict());
            opt2.LoadStateDict(IO.Safetensors.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Equal(3, opt2.StepCount);
        StepOn(p1, opt1);
        StepOn(p2, opt2);
        Assert.True(p1.Equal(p2), "a restored optimizer must take exactly the same next step");
    }

    [Fact]
    public void AdamWRefusesStateOfAnotherShape()
    {
        using var scope = torch.NewScope();
        using var p = new Parameter(torch.Zeros([2, 2]));
        using var q = new Parameter(torch.Zeros([3]));
        using var a = new AdamW([p]);
        using var b = new AdamW([q]);
        var e = Assert.Throws<ArgumentException>(() => b.LoadStateDict(a.StateDict()));
        Assert.Contains("exp_avg.0", e.Message);
        Assert.Contains("[2, 2]", e.Message);
    }

    [Fact]
    public void ClipGradNormMatchesTorch()
    {
        var f = Root.GetProperty("clip");
        foreach (var c in f.GetProperty("cases").EnumerateArray())
        {
            using var scope = torch.NewScope();
            var ps = new List<Parameter>();
            foreach (var g in f.GetProperty("grads").EnumerateArray())
            {
                var shape = g.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()).ToArray();
                var p = new Parameter(torch.Zeros(shape));
                p.SetGrad(torch.FromSpan<float>(Floats(g.GetProperty("data")), shape));
                ps.Add(p);
            }
            var total = GradClip.ClipGradNorm(ps, c.GetProperty("max_norm").GetDouble(), c.GetProperty("norm_type").GetDouble());
            Assert.Equal(c.GetProperty("total").GetDouble(), total, 4);
            var clipped = c.GetProperty("clipped").EnumerateArray().ToArray();
            for (var i = 0; i < ps.Count; i++)
            {
                AssertAll(Floats(clipped[i]), ps[i].Grad!.ToArray<float>(), 1e-6, $"clipped grad {i}");
                ps[i].Dispose();
            }
        }
    }

    [Fact]
    public void ClipGradNormReportsNonFiniteAndLeavesGradientsAlone()
    {
        using var scope = torch.NewScope();
        using var p = new Parameter(torch.Zeros([3]));
        p.SetGrad(torch.FromArray([1f, float.NaN, 2f]));
        var total = GradClip.ClipGradNorm([p], 1.0);
        Assert.True(double.IsNaN(total));
        Assert.Equal(1f, p.Grad!.ToArray<float>()[0]);
        Assert.Equal(2f, p.Grad!.ToArray<float>()[2]);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(5, 0.5)]
    [InlineData(10, 1.0)]
    [InlineData(55, 0.5)]
    [InlineData(100, 0.0)]
    [InlineData(150, 0.0)]
    public void LinearScheduleFollowsItsFormula(long step, double factor)
    {
        Assert.Equal(2e-5 * factor, LrSchedules.LinearWithWarmup(step, 10, 100, 2e-5), 12);
        Assert.Equal(2e-5 * factor, new LinearLr(2e-5, 10, 100).At(step), 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(40)]
    [InlineData(77)]
    [InlineData(100)]
    public void CosineScheduleFollowsItsFormula(long step)
    {
        const long warmup = 10, total = 100;
        const double lr = 1e-3, min = 0.1;
        var factor = step < warmup ? step / (double)warmup : 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / (total - warmup)));
        var expected = step < warmup ? lr * factor : lr * (min + (1 - min) * factor);
        Assert.Equal(expected, LrSchedules.CosineWithWarmup(step, warmup, total, lr, min), 15);
        Assert.Equal(expected, LrSchedule.Create("cosine", lr, warmup, total, min).At(step), 15);
    }

    [Fact]
    public void ConstantScheduleWarmsUpThenHolds()
    {
        Assert.Equal(0.25, LrSchedules.Constant(1, 4, 1.0));
        Assert.Equal(1.0, LrSchedules.Constant(4, 4, 1.0));
        Assert.Equal(1.0, LrSchedules.Constant(400, 4, 1.0));
    }

    private static void AssertAll(float[] expected, float[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}[{i}]: got {actual[i]:R}, expected {expected[i]:R}");
        }
    }
}
