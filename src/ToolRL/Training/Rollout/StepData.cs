using ToolRL.Data;
using ToolRL.Torch;

namespace ToolRL.Training.Rollout;

/// <summary>
/// Everything one training step produced before the update: the sampled responses (n per prompt, grouped) and
/// the whole-step <c>[N, R_max]</c> tensors the update reads (old/reference log-probs, values, rewards,
/// advantages, returns). The tensors live outside any scope and are disposed with this object.
/// </summary>
public sealed class StepData : IDisposable
{
    private readonly List<Tensor> _owned = [];

    /// <summary>Creates the step's sample table.</summary>
    public StepData(IReadOnlyList<RlRow> rows, IReadOnlyList<IReadOnlyList<int>> promptIds, IReadOnlyList<GeneratedResponse> responses, int n)
    {
        Rows = rows;
        PromptIds = promptIds;
        Responses = responses;
        N = n;
        ResponseLengths = responses.Select(r => r.TokenIds.Length).ToArray();
        Width = Math.Max(1, ResponseLengths.Max());
        GroupIds = Enumerable.Range(0, responses.Count).Select(i => (long)(i / n)).ToArray();
        ResponseMask = Own(StepTensors.Mask(ResponseLengths, Width));
    }

    /// <summary>The prompts' rows (one per prompt, not per response).</summary>
    public IReadOnlyList<RlRow> Rows { get; }

    /// <summary>The prompts' token ids (one per prompt).</summary>
    public IReadOnlyList<IReadOnlyList<int>> PromptIds { get; }

    /// <summary>The responses, n per prompt: response i belongs to prompt i / n.</summary>
    public IReadOnlyList<GeneratedResponse> Responses { get; }

    /// <summary>Responses per prompt.</summary>
    public int N { get; }

    /// <summary>Each response's length in tokens.</summary>
    public IReadOnlyList<int> ResponseLengths { get; }

    /// <summary>R_max: the longest response (at least 1).</summary>
    public int Width { get; }

    /// <summary>The group (prompt) of each response, for GRPO.</summary>
    public IReadOnlyList<long> GroupIds { get; }

    /// <summary>1 on response tokens, <c>[N, R_max]</c>.</summary>
    public Tensor ResponseMask { get; }

    /// <summary>Decoded responses.</summary>
    public string[] Texts { get; set; } = [];

    /// <summary>The reward of each response (the weighted total) and its components.</summary>
    public ScoredBatch? Scores { get; set; }

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

    /// <summary>The prompt ids of response <paramref name="i"/>.</summary>
    public IReadOnlyList<int> PromptOf(int i) => PromptIds[i / N];

    /// <summary>The response ids of response <paramref name="i"/>.</summary>
    public IReadOnlyList<int> ResponseOf(int i) => Responses[i].TokenIds;

    /// <summary>The row of response <paramref name="i"/>.</summary>
    public RlRow RowOf(int i) => Rows[i / N];

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
