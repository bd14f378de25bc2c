using System.Diagnostics;
using ToolRL.Distributed;
using ToolRL.Rewards;
using ToolRL.Training.Metrics;
using static ToolRL.Torch.torch;

namespace ToolRL.Training.Rollout;

/// <summary>
/// The default rollout: one assistant turn per trajectory. Renders each row's prompt, samples <c>n</c> responses per
/// prompt in one batched generation, decodes them and scores them with the reward functions; every response token
/// is generated, so the loss mask is all ones. Metrics: <c>timing_s/gen</c>, <c>timing_s/reward</c> and the
/// reward components' <c>rewards/{name}/mean</c>/<c>std</c>. With <see cref="RolloutRequest.Group"/> (data-parallel, the
/// policy sampling each rank's share of the prompts) each rank scores only the responses it generated. With
/// <c>argumentCredit</c> each trajectory also carries the token spans of its tool-call argument values,
/// checked against the row's ground truth (<see cref="PromptEncoder.ArgumentCreditSpans"/>), for
/// <c>argument_credit</c>.
/// </summary>
public sealed class SingleTurnRollout(PromptEncoder prompts, IRewardFunction reward, bool argumentCredit = false) : IRolloutStage
{
    /// <inheritdoc />
    public Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var encoded = request.Rows.Select(prompts.Encode).ToList();
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<GeneratedResponse> responses;
        request.Policy.Module.Eval();
        using (NoGrad())
        {
            responses = request.Policy.Generate(encoded, request.N, request.Sampling, request.Seed);
        }
        metrics[MetricNames.TimingGen] = Stopwatch.GetElapsedTime(started).TotalSeconds;

        started = Stopwatch.GetTimestamp();
        // Data-parallel: each rank scores the responses it generated (its prompts' share), then the scores are exchanged.
        var (first, count) = request.Group is { } group ? RankShare.Of(request.Rows.Count, group.Rank, group.WorldSize) : (0, request.Rows.Count);
        var mine = Enumerable.Range(first * request.N, count * request.N).ToList();
        // Every response is decoded once: its rank scores its share, and argument credit reads them all.
        var texts = responses.Select(r => prompts.DecodeResponse(r.TokenIds)).ToArray();
        var rows = mine.Select(i => request.Rows[i / request.N]).ToList();
        var scores = RewardScoring.Score(reward, rows, [.. mine.Select(i => texts[i])], request.Step);
        if (request.Group is { } ranks)
        {
            scores = ScoreExchange.AllGather(ranks, scores);
        }
        metrics[MetricNames.TimingReward] = Stopwatch.GetElapsedTime(started).TotalSeconds;
        foreach (var (name, value) in scores.ComponentMetrics())
        {
            metrics[name] = value;
        }
        var trajectories = responses.Select((response, i) => new Trajectory
        {
            PromptIds = encoded[i / request.N],
            ResponseIds = response.TokenIds,
            GroupId = i / request.N,
            Reward = scores.Totals[i],
            Stopped = response.Stopped,
            RolloutLogProbs = response.LogProbs,
            CreditSpans = argumentCredit
                ? prompts.ArgumentCreditSpans(request.Rows[i / request.N], response.TokenIds, texts[i])
                : null,
        }).ToList();
        return Task.FromResult(new RolloutBatch(trajectories) { Metrics = metrics });
    }
}
