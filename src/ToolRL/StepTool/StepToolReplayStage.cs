using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Tokenization;
using ToolRL.Training.Rollout;

namespace ToolRL.StepTool;

/// <summary>
/// Offline StepTool as the trainers' rollout stage: StepTool's released code never generates (<c>step_ppo.py</c>
/// trains on fixed, pre-scored trajectories), so each step "samples" by handing back the rows' encoded trajectories:
/// the frag mask as the loss mask and the placed step scores as per-token rewards. PPO then recomputes old and
/// reference log-probs and values on them, as <c>StepPPOTrainer.step</c> does. Rows name their sample by
/// <c>extra_info.steptool_row</c> (<see cref="Rows"/>). Metrics: <c>steptool/final_score/mean</c> (StepTool's
/// <c>ppo/mean_scores</c>), <c>steptool/step_score/mean</c> (intermediate steps) and <c>steptool/steps/mean</c>.
/// </summary>
public sealed class StepToolReplayStage : IRolloutStage
{
    private readonly IReadOnlyList<StepToolSample> _samples;
    private readonly Trajectory[] _trajectories;

    /// <summary>Encodes every sample with <paramref name="tokenizer"/> (one fragment at a time).</summary>
    public StepToolReplayStage(IReadOnlyList<StepToolSample> samples, Qwen2Tokenizer tokenizer, StepWeighting weighting,
        int maxContextLength = StepToolEncoding.DefaultMaxContextLength, int maxResponseLength = StepToolEncoding.DefaultMaxResponseLength)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _samples = samples;
        _trajectories = [.. samples.Select((s, i) => StepToolEncoding.ToTrajectory(
            StepToolEncoding.Encode(s, text => tokenizer.EncodeToIds(text), maxContextLength, maxResponseLength), s.Rewards, weighting, i))];
    }

    /// <summary>The encoded trajectories, one per sample.</summary>
    public IReadOnlyList<Trajectory> Trajectories => _trajectories;

    /// <summary>One trainer row per sample (the prompt is a placeholder; the trajectory is the sample's).</summary>
    public static IReadOnlyList<RlRow> Rows(IReadOnlyList<StepToolSample> samples, string dataSource = "steptool")
    {
        ArgumentNullException.ThrowIfNull(samples);
        return [.. samples.Select((s, i) => new RlRow([new ChatMessage("user", $"steptool row {i}")], "", dataSource,
            new JsonObject { ["steptool_row"] = i }, new JsonObject { ["steptool_row"] = i }, i))];
    }

    /// <inheritdoc />
    public Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.N != 1)
        {
            throw new ArgumentException($"offline StepTool replays each fixed trajectory once; n is {request.N}, set n to 1", nameof(request));
        }
        var indices = request.Rows.Select(IndexOf).ToList();
        var batch = indices.Select(i => _trajectories[i]).ToList();
        var chosen = indices.Select(i => _samples[i]).ToList();
        var intermediate = chosen.SelectMany(s => s.Rewards.Take(s.Steps - 1)).ToList();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["steptool/final_score/mean"] = chosen.Average(s => s.Rewards[^1]),
            ["steptool/step_score/mean"] = intermediate.Count > 0 ? intermediate.Average() : double.NaN,
            ["steptool/steps/mean"] = chosen.Average(s => s.Steps),
        };
        return Task.FromResult(new RolloutBatch(batch) { Metrics = metrics });
    }

    private int IndexOf(RlRow row) =>
        row.ExtraInfo?["steptool_row"] is JsonValue v && v.TryGetValue<int>(out var i) && i >= 0 && i < _trajectories.Length
            ? i
            : throw new ArgumentException($"row {row.Index} names no StepTool sample (extra_info.steptool_row is {row.ExtraInfo?["steptool_row"]?.ToJsonString() ?? "missing"}); build the rows with StepToolReplayStage.Rows");
}
