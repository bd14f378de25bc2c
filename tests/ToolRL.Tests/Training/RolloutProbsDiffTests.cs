using ToolRL.Configuration;
using ToolRL.Torch;
using ToolRL.Torch.NN;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Training;

/// <summary>
/// <c>training/rollout_probs_diff_*</c>: the sampler's recorded log-probs against the trainer's for the same tokens,
/// on hand-computed values and on real tiny Qwen2 runs (both trainer paths: old log-probs, and the on-policy update's forward).
/// </summary>
public sealed class RolloutProbsDiffTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-probsdiff-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    [Fact]
    public void StatisticsAreVerlsOverMaskedTokens()
    {
        // Row 0: p_trainer 0.5, 0.25, 0.1 (masked out) vs p_sampler 0.25, 0.3, 0.9; row 1: 0.8 vs 0.8, then padding.
        // d = |0.5 − 0.25|, |0.25 − 0.3|, |0.8 − 0.8| = 0.25, 0.05, 0: mean 0.1, max 0.25,
        // unbiased std sqrt((0.15² + 0.05² + 0.1²) / 2) = sqrt(0.0175).
        using var scope = NewScope();
        var trainer = FromArray(new[] { MathF.Log(0.5f), MathF.Log(0.25f), MathF.Log(0.1f), MathF.Log(0.8f), 0f, 0f }, 2, 3);
        var sampler = FromArray(new[] { MathF.Log(0.25f), MathF.Log(0.3f), MathF.Log(0.9f), MathF.Log(0.8f), -5f, -5f }, 2, 3);
        var mask = FromArray(new[] { 1f, 1f, 0f, 1f, 0f, 0f }, 2, 3);

        var whole = RolloutProbsDiff.Of(trainer, sampler, mask);
        var metrics = new Dictionary<string, double>();
        whole.WriteTo(metrics);

        Assert.Equal(3, whole.Count);
        Assert.Equal(0.1, metrics[MetricNames.RolloutProbsDiffMean], 6);
        Assert.Equal(0.25, metrics[MetricNames.RolloutProbsDiffMax], 6);
        Assert.Equal(Math.Sqrt(0.0175), metrics[MetricNames.RolloutProbsDiffStd], 6);

        // Micro-batches combine to the whole step.
        var rows = Enumerable.Range(0, 2).Select(r => RolloutProbsDiff.Of(trainer.Narrow(0, r, 1), sampler.Narrow(0, r, 1), mask.Narrow(0, r, 1)));
        var summed = rows.Aggregate(new RolloutProbsDiff(), (a, b) => a.Add(b));
        Assert.Equal(whole.Mean, summed.Mean, 12);
        Assert.Equal(whole.Std, summed.Std, 12);
        Assert.Equal(whole.Max, summed.Max, 12);
    }

    [Fact]
    public void NoTokensWritesNothing()
    {
        var metrics = new Dictionary<string, double>();
        new RolloutProbsDiff().WriteTo(metrics);
        Assert.Empty(metrics);
    }

    [Fact]
    public void SamplerLogProbsEqualTheTrainersScoringOfTheSameTokens()
    {
        // Temperature and top-p on: the recorded log-prob is of softmax(logits / T) before top-p, which is what
        // ScoreResponses computes at T.
        using var policy = TinyRun.Policy();
        var prompts = new PromptEncoder(TinyRun.Tokenizer, 1024);
        var encoded = TinyRun.Rows(3).Select(prompts.Encode).ToList();
        var settings = new SamplingSettings(12, 0.7, 0.9, 0, prompts.StopTokenIds);
        IReadOnlyList<GeneratedResponse> responses;
        using (NoGrad())
        {
            responses = policy.Generate(encoded, 2, settings, seed: 17);
        }

        using var scope = NewScope();
        var indices = Enumerable.Range(0, responses.Count).ToList();
        var batch = MicroBatch.Build(indices, i => encoded[i / 2], i => responses[i].TokenIds, prompts.PadTokenId);
        policy.Module.Eval();
        using var noGrad = NoGrad();
        var scored = policy.ScoreResponses(batch, settings.Temperature, withEntropy: false).LogProbs.ToArray<float>();
        var checkedTokens = 0;
        for (var i = 0; i < responses.Count; i++)
        {
            var recorded = responses[i].LogProbs!;
            Assert.Equal(responses[i].TokenIds.Length, recorded.Length);
            for (var j = 0; j < recorded.Length; j++)
            {
                Assert.True(Math.Abs(recorded[j] - scored[i * batch.ResponseWidth + j]) < 1e-4,
                    $"response {i} token {j}: sampler {recorded[j]} vs trainer {scored[i * batch.ResponseWidth + j]}");
                checkedTokens++;
            }
        }
        Assert.True(checkedTokens > responses.Count, "too few tokens were compared");
    }

    [Theory]
    [InlineData(true)]    // KL in the reward: old log-probs are computed, the metric reads them
    [InlineData(false)]   // on-policy: the metric reads the update's forward
    public async Task TinyRunLogsNearZeroDiff(bool oldLogProbs)
    {
        using var policy = TinyRun.Policy();
        using var reference = TinyRun.Policy();
        var config = Configure(oldLogProbs);
        using var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward(), reference: oldLogProbs ? reference : null));
        var steps = await TinyRun.Collect(trainer);

        Assert.Equal(2, steps.Count);
        foreach (var step in steps)
        {
            Assert.True(step[MetricNames.RolloutProbsDiffMean] < 1e-6, $"step {step.Step}: mean {step[MetricNames.RolloutProbsDiffMean]}");
            Assert.True(step[MetricNames.RolloutProbsDiffMax] < 1e-5, $"step {step.Step}: max {step[MetricNames.RolloutProbsDiffMax]}");
            Assert.NotNull(step[MetricNames.RolloutProbsDiffStd]);
        }
    }

    [Theory]
    [InlineData(true, 0.5f)]
    [InlineData(false, -1f)]
    public async Task OffsetSamplerLogProbsGiveTheHandComputedDiff(bool oldLogProbs, float offset)
    {
        // The sampler reports log p + δ, so each token's diff is |p − p·e^δ| = p·|1 − e^δ|, p the trainer's (= the
        // unperturbed sampler's) probability of the token.
        using var policy = TinyRun.Policy();
        using var reference = TinyRun.Policy();
        var offsetPolicy = new OffsetLogProbsPolicy(policy, offset);
        var config = Configure(oldLogProbs) with { Trainer = Configure(oldLogProbs).Trainer with { TotalTrainingSteps = 1 } };
        using var trainer = new GrpoTrainer(_run.Setup(config, offsetPolicy, new BrevityReward(), reference: oldLogProbs ? reference : null));
        var step = Assert.Single(await TinyRun.Collect(trainer));

        // The first generation is the step's rollout (a final validation may sample again).
        var diffs = offsetPolicy.Unperturbed[0].SelectMany(l => l).Select(l => Math.Exp(l) * Math.Abs(1 - Math.Exp(offset))).ToList();
        var mean = diffs.Average();
        var std = Math.Sqrt(diffs.Sum(d => (d - mean) * (d - mean)) / (diffs.Count - 1));
        Assert.True(mean > 1e-4, $"the offset should show: mean {mean}");   // a random tiny model: p ≈ 1/vocab
        AssertClose(mean, step[MetricNames.RolloutProbsDiffMean]!.Value, "mean");
        AssertClose(diffs.Max(), step[MetricNames.RolloutProbsDiffMax]!.Value, "max");
        AssertClose(std, step[MetricNames.RolloutProbsDiffStd]!.Value, "std");
    }

    private static void AssertClose(double expected, double actual, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Abs(expected) + 1e-8, $"{what}: expected {expected}, logged {actual}");

    [Fact]
    public void MissingOrMisSizedLogProbsSkipTheMetricInsteadOfFailingTheStep()
    {
        Trajectory Make(float[]? logProbs) => new() { PromptIds = [1], ResponseIds = [2, 3], GroupId = 0, Reward = 0, RolloutLogProbs = logProbs };

        using (var complete = new StepData([Make([-1f, -2f]), Make([-3f, -4f])]))
        {
            Assert.Equal(new[] { -1f, -2f, -3f, -4f }, complete.RolloutLogProbs!.ToArray<float>());
        }
        using (var oneMissing = new StepData([Make([-1f, -2f]), Make(null)]))
        {
            Assert.Null(oneMissing.RolloutLogProbs);
        }
        using (var stale = new StepData([Make([-1f, -2f]), Make([-1f])]))   // e.g. tokens appended by a wrapping stage
        {
            Assert.Null(stale.RolloutLogProbs);
        }
    }

    /// <summary>Two steps of 2 prompts × 4 responses at T = 0.7, top-p 0.9; KL in the reward (old log-probs) or fully on-policy.</summary>
    private TrainingConfig Configure(bool oldLogProbs)
    {
        var config = TinyRun.Short(TinyRun.GrpoConfig(_run.Directory), steps: 2);
        return config with
        {
            UseKlInReward = oldLogProbs,
            Sampling = config.Sampling with { Temperature = 0.7, TopP = 0.9 },
        };
    }

    /// <summary>A sampler that misreports: every recorded log-prob shifted by <c>offset</c>; keeps the true ones.</summary>
    private sealed class OffsetLogProbsPolicy(IPolicyModel inner, float offset) : IPolicyModel
    {
        /// <summary>The true log-probs of each Generate call's responses.</summary>
        public List<float[][]> Unperturbed { get; } = [];

        public Module Module => inner.Module;

        public (Tensor LogProbs, Tensor? Entropy) ScoreResponses(MicroBatch batch, double temperature, bool withEntropy) =>
            inner.ScoreResponses(batch, temperature, withEntropy);

        public IReadOnlyList<GeneratedResponse> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int n, SamplingSettings settings, long seed)
        {
            var responses = inner.Generate(prompts, n, settings, seed);
            Unperturbed.Add(responses.Select(r => r.LogProbs!).ToArray());
            return responses.Select(r => r with { LogProbs = r.LogProbs!.Select(l => l + offset).ToArray() }).ToList();
        }

        public void SavePretrained(string directory) => inner.SavePretrained(directory);

        public void LoadWeights(string directory) => inner.LoadWeights(directory);

        public void Dispose()
        {
        }
    }
}
