using ToolRL.Torch;

namespace ToolRL.Training.Rollout;

/// <summary>
/// Everything one training step produced before the update: the rollout's trajectories (any grouping) and the
/// whole-step <c>[N, R_max]</c> tensors the update reads (the loss mask, old/reference log-probs, values, rewards,
/// advantages, returns). The tensors live outside any scope and are disposed with this object.
/// </summary>
internal sealed class StepData : IDisposable
{
    private readonly List<Tensor> _owned = [];

    /// <summary>Creates the step's sample table from a rollout's trajectories.</summary>
    public StepData(IReadOnlyList<Trajectory> trajectories)
    {
        if (trajectories.Count == 0)
        {
            throw new ArgumentException("the rollout returned no trajectories", nameof(trajectories));
        }
        foreach (var t in trajectories)
        {
            t.Validate();
        }
        Trajectories = trajectories;
        ResponseLengths = trajectories.Select(t => t.ResponseIds.Length).ToArray();
        GeneratedTokenCounts = trajectories.Select(t => t.GeneratedTokenCount).ToArray();
        Width = Math.Max(1, ResponseLengths.Max());
        GroupIds = trajectories.Select(t => t.GroupId).ToArray();
        ResponseMask = Own(StepTensors.LossMask(trajectories, Width));
        if (trajectories.All(t => t.RolloutLogProbs is not null && t.RolloutLogProbs.Length == t.ResponseIds.Length))
        {
            RolloutLogProbs = Own(StepTensors.FromRows(trajectories.Select(t => (IReadOnlyList<float>)t.RolloutLogProbs!).ToList(), Width));
        }
    }

    /// <summary>The trajectories, in the rollout's order.</summary>
    public IReadOnlyList<Trajectory> Trajectories { get; }

    /// <summary>Each trajectory's response length in tokens (generated and inserted).</summary>
    public IReadOnlyList<int> ResponseLengths { get; }

    /// <summary>Each trajectory's generated tokens (the loss mask's ones).</summary>
    public IReadOnlyList<int> GeneratedTokenCounts { get; }

    /// <summary>R_max: the longest response (at least 1).</summary>
    public int Width { get; }

    /// <summary>The group (prompt or task) of each trajectory, for GRPO-style baselines.</summary>
    public IReadOnlyList<long> GroupIds { get; }

    /// <summary>The loss mask <c>[N, R_max]</c>: 1 on generated tokens, 0 on inserted tokens and padding.</summary>
    public Tensor ResponseMask { get; }

    /// <summary>The sampler's log-probs <c>[N, R_max]</c> as it recorded them; null unless every trajectory carries one per response token.</summary>
    public Tensor? RolloutLogProbs { get; }

    /// <summary>Log-probs under the policy that sampled (null when the update is on-policy and reuses its own).</summary>
    public Tensor? OldLogProbs { get; set; }

    /// <summary>Log-probs under the reference policy (null without KL).</summary>
    public Tensor? RefLogProbs { get; set; }

    /// <summary>Critic values at rollout time (PPO).</summary>
    public Tensor? Values { get; set; }

    /// <summary>Token-level rewards: the score on the last token, minus β·KL per token when KL is in the reward.</summary>
    public Tensor? TokenLevelRewards { get; set; }

    /// <summary>Advantages <c>[N, R_max]</c>.</summary>
    public Tensor? Advantages { get; set; }

    /// <summary>Returns (PPO critic targets).</summary>
    public Tensor? Returns { get; set; }

    /// <summary>The trajectories' rewards, in order.</summary>
    public IReadOnlyList<double> Rewards => Trajectories.Select(t => t.Reward).ToArray();

    /// <summary>The forward-pass tensors of the trajectories <paramref name="indices"/> (their loss masks included).</summary>
    public MicroBatch BuildMicroBatch(IReadOnlyList<int> indices, int padId) =>
        MicroBatch.Build(indices, i => Trajectories[i].PromptIds, i => Trajectories[i].ResponseIds, padId, i => Trajectories[i].LossMask);

    /// <summary>Takes ownership of a tensor (detached from any scope) so it lives as long as the step.</summary>
    public Tensor Own(Tensor tensor)
    {
        if (TensorScope.Current is not null)
        {
            tensor.DetachFromScope();
        }
        _owned.Add(tensor);
        return tensor;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _owned)
        {
            t.Dispose();
        }
        _owned.Clear();
    }
}
