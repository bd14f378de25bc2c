using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Testing;

namespace ToolRL.Tests.Configuration;

/// <summary>The seed configurations hold exactly the values of issue 8 and ToolRL's scripts (train_grpo.sh, train_ppo.sh).</summary>
public class SeedConfigTests
{
    [Fact]
    public void PpoColdStartMatchesTheModelCard()
    {
        var c = TrainingConfig.Load(TestPaths.InRepo("configs", "ppo-qwen2.5-7b-toolrl-cold.json"));
        Assert.Equal(AlgorithmKind.Ppo, c.Algorithm);
        Assert.Equal(512, c.BatchSize);
        Assert.Equal(15, c.Epochs);
        Assert.Equal(1e-6, c.ActorLr);
        Assert.Equal(1e-5, c.CriticLr);
        Assert.Equal(0.05, c.KlCoef);
        Assert.Equal(1.0, c.MaxGradNorm);
        Assert.Equal(0.1, c.PpoClipRange);
        Assert.Equal(0.1, c.ClipRatioLow);
        Assert.Equal(0.1, c.ClipRatioHigh);
        Assert.True(c.NormalizeAdvantages);
        Assert.Equal(1024, c.MaxPromptLength);
        Assert.Equal(512, c.MaxResponseLength);
        Assert.Equal(1, c.N);
        Assert.EndsWith("Qwen2.5-7B-Instruct", c.Model.BaseModel);
        Assert.Contains("rlla_4k", c.Data.TrainFiles[0]);
        var switches = c.Reward.ToolRLSwitches!;
        Assert.Equal(1, (int)switches["CORRECTMAX1"]!);
        foreach (var off in new[] { "WITHLENGTH", "REFINEDREWARD", "COARSEREWARD", "STRICTMATCH" })
        {
            Assert.Equal(0, (int)switches[off]!);
        }
    }

    [Fact]
    public void GrpoColdStartMatchesThePaper()
    {
        var c = TrainingConfig.Load(TestPaths.InRepo("configs", "grpo-qwen2.5-3b-toolrl.json"));
        Assert.Equal(AlgorithmKind.Grpo, c.Algorithm);
        Assert.Equal(4, c.N);
        Assert.Equal(512, c.BatchSize);
        Assert.Equal(128, c.PpoMiniBatchSize);
        Assert.Equal(4, c.OptimizerStepsPerTrainingStep);
        Assert.Equal(1e-6, c.ActorLr);
        Assert.True(c.UseKlInReward);
        Assert.False(c.UseKlLoss);
        Assert.Equal(0.001, c.KlCoef);
        Assert.Equal(KlEstimator.K1, c.KlPenalty);
        Assert.Equal(0.001, c.EntropyCoeff);
        Assert.Equal(2048, c.MaxPromptLength);
        Assert.Equal(1024, c.MaxResponseLength);
        Assert.Equal(15, c.Epochs);
        Assert.Equal(1.0, c.Sampling.Temperature);
        Assert.Equal(LrSchedulerType.Constant, c.LrScheduler.Type);
        Assert.Contains("qwen", c.Trainer.ExperimentName);
    }
}
