namespace ToolRL.Rewards;

/// <summary>
/// The ToolRL reward as an <see cref="IRewardFunction"/> named <c>"toolrl"</c>: each completion is cut as the
/// reference cuts its decoded sequence (<see cref="ChatResponse.FromCompletion"/>), then scored by
/// <see cref="ToolRLReward"/> against the sample's ground truth at the sample's step. Samples without a
/// ground truth are not applicable (null). Components <c>format</c>, <c>correctness</c> and <c>length</c>
/// are reported for the metrics. Large batches are scored on all cores.
/// </summary>
public sealed class ToolRLRewardFunction : IRewardFunction
{
    /// <summary>The registry name.</summary>
    public const string RegistryName = "toolrl";

    /// <summary>The format component as the reward composition names it (metrics <c>rewards/toolrl/format/mean</c>, <c>val/rewards/toolrl/format/mean</c>).</summary>
    public const string FormatComponent = RegistryName + "/format";

    /// <summary>The correctness component as the reward composition names it.</summary>
    public const string CorrectnessComponent = RegistryName + "/correctness";

    // Below this many samples the thread hand-off costs more than scoring (about 2 µs per sample).
    private const int ParallelThreshold = 256;

    /// <summary>Creates the function with the given switches (default: all off, Qwen format).</summary>
    public ToolRLRewardFunction(ToolRLRewardOptions? options = null) => Options = options ?? ToolRLRewardOptions.Default;

    /// <summary>The reference switches in use.</summary>
    public ToolRLRewardOptions Options { get; }

    /// <inheritdoc />
    public string Name => RegistryName;

    /// <inheritdoc />
    /// <exception cref="InvalidGroundTruthException">A sample's ground truth would crash the reference (validate data at load).</exception>
    public RewardOutput Score(IReadOnlyList<RewardSample> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var scores = new ToolRLScore?[batch.Count];
        if (batch.Count >= ParallelThreshold)
        {
            Parallel.For(0, batch.Count, i => scores[i] = ScoreOne(batch[i]));
        }
        else
        {
            for (var i = 0; i < batch.Count; i++)
            {
                scores[i] = ScoreOne(batch[i]);
            }
        }
        return new RewardOutput(
            scores.Select(s => s?.Total).ToArray(),
            new Dictionary<string, IReadOnlyList<double?>>
            {
                ["format"] = scores.Select(s => s?.Format).ToArray(),
                ["correctness"] = scores.Select(s => s?.Correctness).ToArray(),
                ["length"] = scores.Select(s => s?.Length).ToArray(),
            });
    }

    private ToolRLScore? ScoreOne(RewardSample sample) =>
        sample.GroundTruth is null
            ? null
            : ToolRLReward.Score(ChatResponse.FromCompletion(sample.Completion, Options.ChatFormat), sample.GroundTruth, Options, sample.Step);
}
