using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Torch;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.Training;

/// <summary>
/// The pluggable rollout stage: trajectories with inserted (loss-mask 0) tokens train exactly as their generated
/// tokens alone, so GRPO/PPO run unchanged over a multi-turn rollout; the mask reaches the micro-batches, the loss
/// normaliser, the entropy, the KL and the response-length metrics.
/// </summary>
public sealed class RolloutStageTests : IDisposable
{
    private readonly TinyRun _plain = new(Path.Combine(Path.GetTempPath(), "toolrl-rollout-a-" + Guid.NewGuid().ToString("N")));
    private readonly TinyRun _masked = new(Path.Combine(Path.GetTempPath(), "toolrl-rollout-b-" + Guid.NewGuid().ToString("N")));

    public void Dispose()
    {
        _plain.Dispose();
        _masked.Dispose();
    }

    /// <summary>
    /// Wraps the single-turn rollout and appends <c>extra</c> inserted tokens after every response, masked out
    /// (as an observation turn the model did not write). Causal attention means they cannot change the generated
    /// tokens' log-probs, so with a correct mask the update is the single-turn one.
    /// </summary>
    private sealed class AppendInsertedTokens(IRolloutStage inner, int extra, int tokenId) : IRolloutStage
    {
        public async Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken)
        {
            var batch = await inner.RolloutAsync(request, cancellationToken);
            var trajectories = batch.Trajectories.Select(t => t with
            {
                ResponseIds = [.. t.ResponseIds, .. Enumerable.Repeat(tokenId, extra)],
                LossMask = [.. Enumerable.Repeat(true, t.ResponseIds.Length), .. Enumerable.Repeat(false, extra)],
            }).ToList();
            return batch with { Trajectories = trajectories };
        }
    }

    [Fact]
    public async Task InsertedTokensOutsideTheLossMaskLeaveTheUpdateAndTheMetricsAsTheGeneratedTokensAlone()
    {
        // KL in the reward and as a loss, and an entropy bonus: every masked term is exercised.
        var config = TinyRun.GrpoConfig(_plain.Directory) with { EntropyCoeff = 0.01, UseKlLoss = true, KlCoef = 0.05 };
        config = config with { Trainer = config.Trainer with { TotalTrainingSteps = 2, TestFreq = -1, ValBeforeTrain = false, SaveFreq = -1 } };
        var (plainParams, plainSteps) = await Train(_plain, config, stage: null);
        var prompts = new PromptEncoder(TinyRun.Tokenizer, config.MaxPromptLength);
        var (maskedParams, maskedSteps) = await Train(_masked, config with { Trainer = config.Trainer with { OutputDir = _masked.Directory } },
            new AppendInsertedTokens(new SingleTurnRollout(prompts, new BrevityReward()), extra: 5, tokenId: TinyRun.Tokenizer.ImEndTokenId));

        // The two runs pad to different widths, so float sums run in another order (another OpenBLAS blocking, another
        // thread split). AdamW divides by sqrt(v): where a gradient is near zero, that rounding moves the step by up to
        // ~1e-5 (seen: 1.2e-5). A wrong mask moves weights by the order of the step itself (actor_lr 1e-2), and the
        // metrics below stay at 1e-5, so 1e-4 (1% of one step) still catches it.
        foreach (var (name, values) in plainParams)
        {
            var other = maskedParams[name];
            for (var i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(values[i] - other[i]) <= 1e-4 + 1e-5 * Math.Abs(values[i]), $"{name}[{i}]: {values[i]} vs {other[i]}");
            }
        }
        foreach (var metric in new[] { MetricNames.ResponseLengthMean, MetricNames.ResponseLengthMax, MetricNames.PgLoss, MetricNames.Entropy,
                     MetricNames.KlLoss, MetricNames.RewardKlPenalty, MetricNames.RewardsMean, MetricNames.AdvantagesMean, MetricNames.GradNorm })
        {
            for (var s = 0; s < plainSteps.Count; s++)
            {
                var a = plainSteps[s][metric]!.Value;
                var b = maskedSteps[s][metric]!.Value;
                Assert.True(Math.Abs(a - b) <= 1e-5 * (1 + Math.Abs(a)), $"step {s + 1} {metric}: {a} vs {b}");
            }
        }
    }

    private static async Task<(Dictionary<string, float[]> Params, List<TrainingStepResult> Steps)> Train(TinyRun run, ToolRL.Configuration.TrainingConfig config, IRolloutStage? stage)
    {
        using var policy = TinyRun.Policy();
        using var reference = TinyRun.Policy();
        using var trainer = new GrpoTrainer(run.Setup(config, policy, new BrevityReward(), reference: reference) with { Rollout = stage });
        var steps = new List<TrainingStepResult>();
        await foreach (var step in trainer.TrainAsync())
        {
            steps.Add(step);
        }
        return (policy.Module.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Detach().ToArray<float>()), steps);
    }

    [Fact]
    public void StepDataAndMicroBatchesCarryTheLossMaskAndTheAttentionCoversInsertedTokens()
    {
        var trajectories = new[]
        {
            new Trajectory { PromptIds = [1, 2], ResponseIds = [5, 6, 7, 8, 9], LossMask = [true, true, false, false, true], GroupId = 0, Reward = 1 },
            new Trajectory { PromptIds = [3], ResponseIds = [5, 6], GroupId = 0, Reward = 0 },
        };
        using var data = new StepData(trajectories);
        Assert.Equal([3, 2], data.GeneratedTokenCounts);
        Assert.Equal(5, data.Width);
        Assert.Equal([1f, 1, 0, 0, 1, 1, 1, 0, 0, 0], data.ResponseMask.ToArray<float>());
        using var scope = torch.NewScope();
        using var batch = data.BuildMicroBatch([0, 1], padId: 0);
        Assert.Equal(5, batch.TokenCount);
        Assert.Equal([1f, 1, 0, 0, 1, 1, 1, 0, 0, 0], batch.ResponseMask.ToArray<float>());
        // Prompts left-padded to 2, responses right-padded to 5: attention covers every real token, inserted ones too.
        Assert.Equal([1L, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0], batch.AttentionMask.ToArray<long>());
    }

    [Fact]
    public void ATrajectoryWhoseMaskDoesNotMatchItsTokensIsRefusedWithTheField()
    {
        var bad = new Trajectory { PromptIds = [1], ResponseIds = [5, 6], LossMask = [true], GroupId = 0, Reward = 0 };
        var error = Assert.Throws<ArgumentException>(() => new StepData([bad]));
        Assert.Contains("LossMask has 1 entries but ResponseIds has 2", error.Message);
    }
}
