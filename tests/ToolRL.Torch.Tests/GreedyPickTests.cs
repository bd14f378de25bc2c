using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The fused greedy choice (native/src/model_greedy.cpp) against libtorch's argmax and float64 log-softmax:
/// vocabulary sizes around the kernel's 8- and 16-lane blocks, ties (first index wins), −∞ entries, a wide range of
/// magnitudes, and rows with NaN (left to libtorch).
/// </summary>
public sealed class GreedyPickTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(3, 16)]
    [InlineData(8, 151_936)]
    [InlineData(5, 1_001)]
    [InlineData(2, 24)]
    public void IdsAndLogProbsEqualArgmaxAndLogSoftmax(long rows, long vocab)
    {
        using var scope = Torch.NewScope();
        using var g = new Generator(11);
        var logits = Torch.Randn([rows, vocab], g) * 6;
        var (ids, logProbs) = GreedyPick.Compute(logits);
        var expectedIds = logits.ArgMax(-1);
        Assert.Equal(expectedIds.ToArray<long>(), ids.ToArray<long>());
        var expected = logits.To(DType.Float64).LogSoftmax(-1).Gather(1, expectedIds.Unsqueeze(1)).Squeeze(1);
        Assert.Equal(DType.Float32, logProbs.DType);
        var error = (logProbs.To(DType.Float64) - expected).Abs().Max().Item<double>();
        var libtorchError = (Functional.TokenLogProbs(logits, expectedIds).To(DType.Float64) - expected).Abs().Max().Item<double>();
        Assert.True(error <= 2e-6, $"log-probs differ from float64 log-softmax by {error} (libtorch float32: {libtorchError})");
    }

    [Fact]
    public void TiesInfinitiesAndNaNFollowArgmax()
    {
        using var scope = Torch.NewScope();
        var v = 40;
        var rows = new float[3 * v];
        for (var j = 0; j < v; j++)
        {
            rows[j] = j % 7 == 3 ? 2.5f : -1f;                              // ties: first 2.5 is at 3
            rows[v + j] = j == 37 ? 0f : float.NegativeInfinity;            // one finite value, in the tail
            rows[2 * v + j] = j;
        }
        rows[2 * v + 9] = float.NaN;                                        // NaN: argmax picks it, log-prob NaN
        var logits = Torch.FromArray(rows, 3, v);
        var (ids, logProbs) = GreedyPick.Compute(logits);
        Assert.Equal(logits.ArgMax(-1).ToArray<long>(), ids.ToArray<long>());
        var lp = logProbs.ToArray<float>();
        Assert.Equal(-Math.Log(6 + 34 * Math.Exp(-3.5)), lp[0], 1e-6);      // six tied maxima, 34 at −1
        Assert.Equal(0f, lp[1], 1e-7);
        Assert.True(float.IsNaN(lp[2]));
    }
}
