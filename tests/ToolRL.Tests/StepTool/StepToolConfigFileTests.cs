using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.StepTool;
using ToolRL.Testing;

namespace ToolRL.Tests.StepTool;

/// <summary>configs/ppo-steptool.json holds StepTool's published qwen2 hyper-parameters (docs/steptool.md's table).</summary>
public sealed class StepToolConfigFileTests
{
    [Fact]
    public void ThePublishedRunIsMirroredFieldByField()
    {
        var c = TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-steptool.json"));
        Assert.Equal(AlgorithmKind.Ppo, c.Algorithm);
        Assert.Equal("sft-ckpts/qwen2/checkpoint-3639", c.Model.BaseModel);
        Assert.Equal((8, 16.0, 0.0), (c.Model.Lora!.R, c.Model.Lora.Alpha, c.Model.Lora.Dropout));
        Assert.Equal(["gate_proj", "o_proj", "k_proj", "q_proj", "up_proj", "down_proj", "v_proj"], c.Model.Lora.TargetModules);
        Assert.Equal((1e-5, 8, 8, 2, 4), (c.ActorLr, c.BatchSize, c.PpoMiniBatchSize, c.PpoMicroBatchSize, c.PpoEpochs));
        Assert.Equal((0.2, 0.2), (c.PpoClipRange, c.CliprangeValue));
        Assert.Equal((0.99, 0.95), (c.Gamma, c.Lam));
        Assert.Equal(AdvantageEstimators.GaeDecaying, c.AdvEstimator);
        Assert.True(c.UseKlInReward);
        Assert.Equal(KlEstimator.K1, c.KlPenalty);
        Assert.Equal((0.3, KlControllerType.Adaptive, 6.0, 10000), (c.KlCoef, c.KlCtrl.Type, c.KlCtrl.TargetKl, c.KlCtrl.Horizon));
        Assert.Equal(KlAggregation.SeqMeanTokenSum, c.KlCtrl.KlAggMode);   // trl's objective/kl
        Assert.Equal(10, c.RatioThreshold);
        Assert.Equal((5, 2024, 1), (c.Epochs, c.Seed, c.N));
        Assert.Equal((4096, 1200, StepWeighting.Reference), (c.StepTool!.MaxContextLen, c.StepTool.MaxResponseLen, c.StepTool.StepWeighting));
        Assert.Equal(StepToolMode.Offline, c.StepTool.Mode);
    }

    [Fact]
    public void TheTinyRecipeIsTheSameMethodAtDemoSize()
    {
        var c = TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-steptool-tiny.json"));
        Assert.Equal((8, 16.0), (c.Model.Lora!.R, c.Model.Lora.Alpha));
        Assert.NotNull(c.Sft);
        Assert.NotNull(c.Environment);
        Assert.Equal((0.99, 0.95, 4), (c.Gamma, c.Lam, c.PpoEpochs));
        Assert.Equal((0.3, KlControllerType.Adaptive, 6.0, 10000), (c.KlCoef, c.KlCtrl.Type, c.KlCtrl.TargetKl, c.KlCtrl.Horizon));
        Assert.Equal((KlAggregation.SeqMeanTokenSum, 10.0), (c.KlCtrl.KlAggMode, c.RatioThreshold));
        Assert.Empty(c.StepTool!.TrainFiles);   // generated from the environment
    }
}
