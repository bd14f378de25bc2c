using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using ToolRL.Torch;
using ToolRL.Torch.NN;
using ToolRL.Training;

namespace ToolRL.Tests.Training;

/// <summary>
/// The one optimizer step of every trainer: clip, skip a non-finite step, AdamW, zero-grad, and the same metrics
/// under the group's name. Expected values are AdamW's first step written out (p − lr·(p·λ) − lr·g/(|g| + ε) for
/// one step, since m̂ = g and v̂ = g²).
/// </summary>
public sealed class ParameterGroupTests
{
    [Fact]
    public void AFiniteStepClipsStepsAndZeroesTheGradients()
    {
        using var scope = torch.NewScope();
        using var p = new Parameter(torch.FromArray([1f, 2f]));
        using var group = new ParameterGroup("actor", [p], learningRate: 0.1, weightDecay: 0, maxGradNorm: 1.0);
        p.SetGrad(torch.FromArray([3f, 4f]));                 // norm 5 → clipped to (0.6, 0.8)
        var norm = group.Step();
        Assert.Equal(5.0, norm, 6);
        var after = p.ToArray<float>();
        // One AdamW step moves each element by lr·sign(g) (up to ε), whatever the clipped magnitude.
        Assert.Equal(0.9f, after[0], 5);
        Assert.Equal(1.9f, after[1], 5);
        Assert.True(p.Grad is null || p.Grad.ToArray<float>().All(g => g == 0));
        var metrics = new Dictionary<string, double>();
        group.ReportMetrics(metrics);
        Assert.Equal(5.0, metrics["actor/grad_norm"], 6);
        Assert.Equal(0, metrics["actor/skipped_steps"]);
        Assert.Equal(0.1, metrics["actor/lr"]);
    }

    [Fact]
    public void ANonFiniteGradientSkipsTheStepCountsItAndLogsIt()
    {
        using var scope = torch.NewScope();
        using var p = new Parameter(torch.FromArray([1f, 2f]));
        var logger = new FakeLogger();
        using var group = new ParameterGroup("critic", [p], 0.1, 0.01, 1.0, logger);
        p.SetGrad(torch.FromArray([float.NaN, 1f]));
        Assert.True(double.IsNaN(group.Step()));
        Assert.Equal([1f, 2f], p.ToArray<float>());               // no update, not even weight decay
        Assert.True(p.Grad is null || p.Grad.ToArray<float>().All(g => g == 0));
        var skipped = Assert.Single(logger.Collector.GetSnapshot());
        Assert.Equal(LogLevel.Warning, skipped.Level);
        Assert.Equal("critic: gradient norm NaN is not finite; optimizer step skipped", skipped.Message);
        var metrics = new Dictionary<string, double>();
        group.ReportMetrics(metrics);
        Assert.True(double.IsNaN(metrics["critic/grad_norm"]));
        Assert.Equal(1, metrics["critic/skipped_steps"]);
        // The report starts a new count.
        group.ReportMetrics(metrics);
        Assert.Equal(0, metrics["critic/skipped_steps"]);
    }

    [Fact]
    public void OnlyTheGivenParametersAreTrained()
    {
        using var scope = torch.NewScope();
        using var adapter = new Parameter(torch.FromArray([1f]));
        using var frozen = new Parameter(torch.FromArray([1f]));
        using var group = new ParameterGroup("actor", [adapter], 0.1, 0, 1.0);
        adapter.SetGrad(torch.FromArray([0.5f]));
        frozen.SetGrad(torch.FromArray([0.5f]));
        group.Step();
        Assert.Equal(0.9f, adapter.ToArray<float>()[0], 5);
        Assert.Equal(1f, frozen.ToArray<float>()[0]);
        Assert.Equal(0.5f, frozen.Grad!.ToArray<float>()[0]);     // another group's gradients are not touched
    }

    [Fact]
    public void AGroupWithoutParametersIsRefusedWithTheFix()
    {
        var error = Assert.Throws<ArgumentException>(() => new ParameterGroup("sft", [], 0.1, 0, 1.0));
        Assert.Contains("no trainable parameters", error.Message);
    }
}
