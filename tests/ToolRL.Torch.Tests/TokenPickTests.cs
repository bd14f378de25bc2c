using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The fused greedy choice (native/src/model_token_pick.cpp) against libtorch's argmax and float64 log-softmax:
/// vocabulary sizes around the kernel's 8- and 16-lane blocks, ties (first index wins), −∞ entries, a wide range of
/// magnitudes, and rows with NaN (left to libtorch).
/// </summary>
public sealed class TokenPickTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(3, 16)]
    [InlineData(8, 151_936)]
    [InlineData(5, 1_001)]
    [InlineData(2, 24)]
    public void IdsAndLogProbsEqualArgmaxAndLogSoftmax(long rows, long vocab)
    {
        using var scope = torch.NewScope();
        using var g = new Generator(11);
        var logits = torch.Randn([rows, vocab], g) * 6;
        var (ids, logProbs) = TokenPick.Greedy(logits);
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
        using var scope = torch.NewScope();
        var v = 40;
        var rows = new float[3 * v];
        for (var j = 0; j < v; j++)
        {
            rows[j] = j % 7 == 3 ? 2.5f : -1f;                              // ties: first 2.5 is at 3
            rows[v + j] = j == 37 ? 0f : float.NegativeInfinity;            // one finite value, in the tail
            rows[2 * v + j] = j;
        }
        rows[2 * v + 9] = float.NaN;                                        // NaN: argmax picks it, log-prob NaN
        var logits = torch.FromArray(rows, 3, v);
        var (ids, logProbs) = TokenPick.Greedy(logits);
        Assert.Equal(logits.ArgMax(-1).ToArray<long>(), ids.ToArray<long>());
        var lp = logProbs.ToArray<float>();
        Assert.Equal(-Math.Log(6 + 34 * Math.Exp(-3.5)), lp[0], 1e-6);      // six tied maxima, 34 at −1
        Assert.Equal(0f, lp[1], 1e-7);
        Assert.True(float.IsNaN(lp[2]));
    }

    /// <summary>
    /// Sampling: 40,000 draws from one 10-token row match softmax(l / T) within 4.5 standard errors per token, and each
    /// draw's log-prob equals the float64 log-softmax at its id; the same seed repeats the draws.
    /// </summary>
    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    public void SamplingFollowsSoftmaxAndReportsItsLogProbs(double temperature)
    {
        using var scope = torch.NewScope();
        var row = torch.FromArray([2f, 1f, 0.5f, 0f, -1f, 3f, 2.5f, -3f, 1.5f, 0.2f], 1, 10);
        var logits = row.Expand(40_000, 10).Contiguous();
        using var g = new Generator(21);
        var (ids, logProbs) = TokenPick.Sample(logits, temperature, g);
        var expected = (row.To(DType.Float64) / temperature).LogSoftmax(-1).ToArray<double>();
        var drawn = ids.ToArray<long>();
        var lp = logProbs.ToArray<float>();
        for (var i = 0; i < drawn.Length; i++)
        {
            Assert.Equal(expected[drawn[i]], lp[i], 2e-6);
        }
        for (var t = 0; t < 10; t++)
        {
            var p = Math.Exp(expected[t]);
            var seen = drawn.Count(d => d == t) / (double)drawn.Length;
            Assert.True(Math.Abs(seen - p) <= 4.5 * Math.Sqrt(p * (1 - p) / drawn.Length) + 1e-4, $"token {t}: drawn {seen:F4}, softmax {p:F4}");
        }
        using var again = new Generator(21);
        Assert.Equal(drawn, TokenPick.Sample(logits, temperature, again).Ids.ToArray<long>());
    }

    /// <summary>A real vocabulary size (lane tails, block flushes): log-probs against float64 at the drawn ids.</summary>
    [Fact]
    public void SamplingOverAFullVocabularyReportsExactLogProbs()
    {
        using var scope = torch.NewScope();
        using var g = new Generator(22);
        var logits = torch.Randn([6, 151_939], g) * 4;
        var (ids, logProbs) = TokenPick.Sample(logits, 0.7, g);
        var expected = (logits.To(DType.Float64) / 0.7).LogSoftmax(-1).Gather(1, ids.Unsqueeze(1)).Squeeze(1);
        var error = (logProbs.To(DType.Float64) - expected).Abs().Max().ToArray<double>()[0];
        Assert.True(error <= 2e-6, $"log-probs differ from float64 by {error}");
        Assert.All(ids.ToArray<long>(), id => Assert.InRange(id, 0, 151_938));
    }

    /// <summary>Tokens masked with −∞ (e.g. by top-k elsewhere, or a banned id) are never drawn.</summary>
    [Fact]
    public void SamplingNeverDrawsMaskedTokens()
    {
        using var scope = torch.NewScope();
        var row = new float[1_003];
        Array.Fill(row, float.NegativeInfinity);
        row[5] = 0f;
        row[500] = 1f;
        row[1_001] = -2f;
        var logits = torch.FromArray(row, 1, row.Length).Expand(20_000, row.Length).Contiguous();
        using var g = new Generator(23);
        var drawn = TokenPick.Sample(logits, 1.0, g).Ids.ToArray<long>();
        Assert.All(drawn, id => Assert.Contains(id, new long[] { 5, 500, 1_001 }));
        Assert.Equal(3, drawn.Distinct().Count());
    }
}
