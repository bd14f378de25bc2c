using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Training.Rollout;

/// <summary>
/// The tensors of one forward pass over (prompt, response) pairs, verl's layout: prompts left-padded, responses
/// right-padded, trimmed to the longest prompt and response of THIS micro-batch (so a batch of short responses
/// costs what its tokens cost). Whole-step per-token tensors (old log-probs, advantages, ...) are cut to the same
/// <c>[B, R]</c> rows by <see cref="Select"/>.
/// </summary>
public sealed class MicroBatch : IDisposable
{
    private MicroBatch(Tensor inputIds, Tensor attentionMask, Tensor responseMask, int promptWidth, int responseWidth, int[] indices, int[] responseLengths, int tokenCount)
    {
        TokenCount = tokenCount;
        InputIds = inputIds;
        AttentionMask = attentionMask;
        ResponseMask = responseMask;
        PromptWidth = promptWidth;
        ResponseWidth = responseWidth;
        Indices = indices;
        ResponseLengths = responseLengths;
    }

    /// <summary>Token ids <c>[B, P + R]</c> (int64).</summary>
    public Tensor InputIds { get; }

    /// <summary>1 on real tokens, 0 on padding, <c>[B, P + R]</c> (int64).</summary>
    public Tensor AttentionMask { get; }

    /// <summary>The loss mask <c>[B, R]</c> (float32): 1 on generated response tokens, 0 on inserted tokens and padding.</summary>
    public Tensor ResponseMask { get; }

    /// <summary>P: the padded prompt width.</summary>
    public int PromptWidth { get; }

    /// <summary>R: the padded response width (at least 1).</summary>
    public int ResponseWidth { get; }

    /// <summary>The sample indices (into the step's samples) of the rows, in order.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Each row's response length.</summary>
    public IReadOnlyList<int> ResponseLengths { get; }

    /// <summary>Number of generated (loss-mask) response tokens in the micro-batch.</summary>
    public int TokenCount { get; }

    /// <summary>
    /// Builds the micro-batch of <paramref name="indices"/>; <paramref name="padId"/> fills padding (masked anyway).
    /// <paramref name="lossMask"/> gives a sample's per-token loss flags (null, or a null result: every response token counts).
    /// </summary>
    public static MicroBatch Build(IReadOnlyList<int> indices, Func<int, IReadOnlyList<int>> prompt, Func<int, IReadOnlyList<int>> response, int padId,
        Func<int, IReadOnlyList<bool>?>? lossMask = null)
    {
        var b = indices.Count;
        var p = indices.Max(i => prompt(i).Count);
        var r = Math.Max(1, indices.Max(i => response(i).Count));
        var ids = new long[b * (p + r)];
        var attention = new long[b * (p + r)];
        var responseMask = new float[b * r];
        var lengths = new int[b];
        Array.Fill(ids, padId);
        for (var row = 0; row < b; row++)
        {
            var prompts = prompt(indices[row]);
            var responses = response(indices[row]);
            var offset = row * (p + r) + (p - prompts.Count);
            for (var t = 0; t < prompts.Count; t++)
            {
                ids[offset + t] = prompts[t];
                attention[offset + t] = 1;
            }
            offset = row * (p + r) + p;
            for (var t = 0; t < responses.Count; t++)
            {
                ids[offset + t] = responses[t];
                attention[offset + t] = 1;
            }
            StepTensors.FillMask(responseMask.AsSpan(row * r, r), responses.Count, lossMask?.Invoke(indices[row]));
            lengths[row] = responses.Count;
        }
        return new MicroBatch(
            FromArray(ids, b, p + r),
            FromArray(attention, b, p + r),
            FromArray(responseMask, b, r),
            p, r, indices.ToArray(), lengths, (int)responseMask.Sum());
    }

    /// <summary>The rows of this micro-batch from a whole-step <c>[N, R_max]</c> tensor, narrowed to <see cref="ResponseWidth"/>.</summary>
    public Tensor Select(Tensor stepTensor)
    {
        using var index = FromArray(Indices.Select(i => (long)i).ToArray(), Indices.Count);
        return stepTensor.IndexSelect(0, index).Narrow(1, 0, ResponseWidth);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        ResponseMask.Dispose();
    }
}
