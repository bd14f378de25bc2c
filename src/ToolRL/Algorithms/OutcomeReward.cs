using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>Turns one scalar score per response into token-level rewards.</summary>
public static class OutcomeReward
{
    /// <summary>
    /// Places each score on the last valid token of its response and 0 elsewhere, as verl's NaiveRewardManager
    /// (<c>reward_tensor[i, valid_response_length − 1] = score</c>, naive.py:100). "Last valid" is the last
    /// position where the mask is 1, which is the same for right-padded responses and also right for masks
    /// with tool-token holes. A row with no valid token gets no reward.
    /// </summary>
    /// <param name="scores">Shape (B): one score per response.</param>
    /// <param name="responseMask">Shape (B, T): 1 on generated tokens.</param>
    /// <returns>Shape (B, T) in the dtype of <paramref name="scores"/> (use a floating dtype).</returns>
    public static Tensor PlaceOnLastToken(Tensor scores, Tensor responseMask)
    {
        using var scope = torch.NewScope();
        var m = Masked.AsWeights(responseMask, scores);
        var length = m.Size(-1);
        // position + 1 on valid tokens, 0 elsewhere: its argmax is the last valid position.
        var positions = torch.Arange(1, length + 1, 1, scores.DType, scores.Device);
        var last = (m * positions).ArgMax(-1, keepDim: true);
        var hasAny = m.Sum(-1, keepDim: true).Gt(0).To(scores.DType);
        var oneHot = torch.ZerosLike(m).Scatter(1, last, hasAny);
        return scope.MoveToOuter(oneHot * scores.Unsqueeze(1));
    }
}
