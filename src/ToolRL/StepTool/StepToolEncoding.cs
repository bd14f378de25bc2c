using ToolRL.Training.Rollout;

namespace ToolRL.StepTool;

/// <summary>
/// One StepTool row as tokens: every step's context and output concatenated, and <see cref="FragMask"/> true on the
/// tokens of step outputs (StepTool's <c>frag_mask</c>).
/// </summary>
/// <param name="Tokens">The whole sequence: the (left-truncated) query, then the last step's (right-truncated) output.</param>
/// <param name="FragMask">One flag per token: true on step-output tokens.</param>
/// <param name="QueryLength">Tokens before the last step's output (after truncation).</param>
/// <param name="QueryTokensBeforeTruncation">The query's length before left truncation.</param>
public sealed record StepToolSequence(int[] Tokens, bool[] FragMask, int QueryLength, int QueryTokensBeforeTruncation)
{
    /// <summary>
    /// The log-prob-space mask StepTool trains with (<c>step_ppotrainer.py:319</c>, mask[t] = frag_mask[t + 1]):
    /// position t scores token t + 1, so it has one entry fewer than <see cref="Tokens"/>.
    /// </summary>
    public bool[] LogProbMask() => FragMask.Length == 0 ? [] : FragMask[1..];
}

/// <summary>
/// Turns StepTool rows into token sequences as <c>step_ppo.py</c> formatting_func does (lines 76-108): each fragment
/// is encoded on its own (no merges across fragments, as token-in/token-out rollouts), the query (all contexts and
/// all outputs but the last) is left-truncated to <c>max_context_len</c> and the last output right-truncated to
/// <c>max_response_len</c>; then into trainer trajectories whose loss mask is the frag mask and whose per-token
/// rewards are the placed step scores.
/// </summary>
public static class StepToolEncoding
{
    /// <summary>StepTool's default <c>max_context_len</c>.</summary>
    public const int DefaultMaxContextLength = 4096;

    /// <summary>StepTool's default <c>max_response_len</c> (its toolllama script passes 1024).</summary>
    public const int DefaultMaxResponseLength = 1200;

    /// <summary>Encodes one row with <paramref name="encode"/> (the tokenizer's <c>encode</c> of one fragment).</summary>
    public static StepToolSequence Encode(StepToolSample sample, Func<string, IReadOnlyList<int>> encode,
        int maxContextLength = DefaultMaxContextLength, int maxResponseLength = DefaultMaxResponseLength)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(encode);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxContextLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxResponseLength, 1);
        var query = new List<int>();
        var frag = new List<bool>();
        var last = sample.Steps - 1;
        for (var i = 0; i <= last; i++)
        {
            Append(sample.Prompts[i], false);
            if (i < last)
            {
                Append(sample.Responses[i], true);
            }
        }
        var before = query.Count;
        var cut = Math.Max(0, query.Count - maxContextLength);
        var response = encode(sample.Responses[last]).Take(maxResponseLength).ToArray();
        var tokens = query.Skip(cut).Concat(response).ToArray();
        var mask = frag.Skip(cut).Concat(response.Select(_ => true)).ToArray();
        return new StepToolSequence(tokens, mask, before - cut, before);

        void Append(string text, bool trained)
        {
            var ids = encode(text);
            query.AddRange(ids);
            frag.AddRange(Enumerable.Repeat(trained, ids.Count));
        }
    }

    /// <summary>
    /// The sequence as a trainer trajectory: the tokens before the first trained token are the prompt (at least one,
    /// since the first token is never scored), the rest the response with the frag mask as its loss mask, and the
    /// step scores placed per <paramref name="weighting"/> as per-token rewards (<see cref="StepRewardPlacement"/>).
    /// The final step's weighted score is the trajectory's reward (placed by the trainer on the last trained token,
    /// where StepTool puts it); the other steps' scores are the per-token rewards.
    /// </summary>
    public static Trajectory ToTrajectory(StepToolSequence sequence, IReadOnlyList<double> scores, StepWeighting weighting, long groupId)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        var first = Math.Max(1, Array.IndexOf(sequence.FragMask, true));
        if (first >= sequence.Tokens.Length || !sequence.FragMask.AsSpan(first).Contains(true))
        {
            throw new ArgumentException("the sequence has no trained token after its first; every StepTool row needs a non-empty step output.", nameof(sequence));
        }
        var mask = sequence.FragMask[first..];
        var placed = StepRewardPlacement.Place(mask, scores, weighting);
        // The final step's weighted score is the trajectory reward: the trainer places it on the last trained token,
        // which is where StepTool puts it, and it shows in the reward metrics.
        var final = scores.Count == 0 ? 0 : scores[^1] * StepRewardPlacement.Weight(scores.Count - 1, scores.Count, weighting);
        placed[Array.LastIndexOf(mask, true)] -= final;
        return new Trajectory
        {
            PromptIds = sequence.Tokens[..first],
            ResponseIds = sequence.Tokens[first..],
            LossMask = mask,
            GroupId = groupId,
            Reward = final,
            TokenRewards = [.. placed.Select(v => (float)v)],
        };
    }
}
