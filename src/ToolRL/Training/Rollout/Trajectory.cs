namespace ToolRL.Training.Rollout;

/// <summary>
/// One trajectory of a rollout, as the trainers consume it: the prompt's token ids, every token after them, which
/// of those the model generated (the loss mask), its group and its rewards. A single-turn rollout yields one
/// generated response per trajectory; a multi-turn agent loop yields the whole conversation after the prompt, with
/// the tool observations and template tokens between turns masked out.
/// </summary>
public sealed record Trajectory
{
    /// <summary>The context before the first generated token (the rendered prompt).</summary>
    public required IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>
    /// Every token after the prompt, in order: the generated tokens and, in a multi-turn rollout, the tokens
    /// inserted between turns (observations, template tokens) exactly as the model saw them.
    /// </summary>
    public required int[] ResponseIds { get; init; }

    /// <summary>
    /// One flag per <see cref="ResponseIds"/> token: true on tokens the model generated (including its closing
    /// <c>&lt;|im_end|&gt;</c>), false on inserted tokens. Null means every response token was generated (single turn).
    /// Losses, KL, entropy and the response-length metrics count only the true positions.
    /// </summary>
    public bool[]? LossMask { get; init; }

    /// <summary>Trajectories sampled for the same prompt or task share a group id (GRPO's and RLOO's baselines).</summary>
    public required long GroupId { get; init; }

    /// <summary>The trajectory-level reward; the trainer places it on the last generated token.</summary>
    public required double Reward { get; init; }

    /// <summary>
    /// Optional per-token rewards over <see cref="ResponseIds"/>, added to the placed <see cref="Reward"/> (e.g. a
    /// per-turn reward on each turn's last generated token, for PPO/GAE). Values where the loss mask is false are ignored.
    /// </summary>
    public float[]? TokenRewards { get; init; }

    /// <summary>
    /// Optional runs of response tokens that each wrote one scored decision (an argument value), for
    /// <c>argument_credit</c> (<see cref="Algorithms.ArgumentCreditAdvantage"/>); null when the rollout marks none.
    /// </summary>
    public IReadOnlyList<Algorithms.CreditSpan>? CreditSpans { get; init; }

    /// <summary>
    /// Optional: the sampler's log-probability of each <see cref="ResponseIds"/> token (see
    /// <see cref="GeneratedResponse.LogProbs"/>); values where the loss mask is false are ignored. When every
    /// trajectory of a step carries them, the trainer logs <c>training/rollout_probs_diff_*</c> against its own
    /// log-probs of the same tokens; null (e.g. agent rollouts) skips that metric, and so does a length other than
    /// that of <see cref="ResponseIds"/> (e.g. a trajectory whose tokens a wrapping stage extended with <c>with</c>): the metric is
    /// a diagnostic, so stale log-probs must not stop a run.
    /// </summary>
    public float[]? RolloutLogProbs { get; init; }

    /// <summary>True when the trajectory ended by itself (stop token, final answer); false when a length or turn limit cut it.</summary>
    public bool Stopped { get; init; } = true;

    /// <summary>The number of generated (loss-mask) tokens.</summary>
    public int GeneratedTokenCount => LossMask is null ? ResponseIds.Length : LossMask.Count(m => m);

    /// <summary>Checks the lengths of the mask and the per-token rewards against <see cref="ResponseIds"/>.</summary>
    /// <exception cref="ArgumentException">A length differs; the message names the field.</exception>
    public void Validate()
    {
        if (LossMask is not null && LossMask.Length != ResponseIds.Length)
        {
            throw new ArgumentException($"the trajectory's LossMask has {LossMask.Length} entries but ResponseIds has {ResponseIds.Length}; give one flag per response token.");
        }
        if (TokenRewards is not null && TokenRewards.Length != ResponseIds.Length)
        {
            throw new ArgumentException($"the trajectory's TokenRewards has {TokenRewards.Length} entries but ResponseIds has {ResponseIds.Length}; give one reward per response token.");
        }
    }
}
