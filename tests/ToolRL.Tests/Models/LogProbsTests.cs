using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

/// <summary>The chunked, fused scoring against the plain full-logits computation (values and gradients).</summary>
public class LogProbsTests
{
    private static Qwen2ForCausalLM Model(bool tied) => Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = 97, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 1, RopeTheta = 1e6, TieWordEmbeddings = tied, InitializerRange = 0.5,
    }, seed: 1);

    // Two rows, prompt left-padded, response right-padded (the verl layout), response length 4.
    private static readonly long[] Ids = [0, 0, 5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 11, 12, 0, 0, 0];
    private static readonly long[] Mask = [0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0];

    /// <summary>log-probs and entropies of the last 4 columns from full logits, zeroed at padding.</summary>
    private static (Tensor LogProbs, Tensor Entropy) Plain(Qwen2ForCausalLM model, Tensor ids, Tensor mask, double temperature)
    {
        var logits = model.Forward(ids, mask) / temperature;                                     // [2,9,V]
        var logp = logits.Narrow(1, 4, 4).LogSoftmax(-1);                                         // predicts columns 5..8
        var picked = logp.Gather(2, ids.Narrow(1, 5, 4).Unsqueeze(-1)).Squeeze(-1);                // [2,4]
        var entropy = -(logp.Exp() * logp).Sum(-1);
        var m = mask.Narrow(1, 5, 4).To(DType.Float32);
        return (picked * m, entropy * m);
    }

    [Theory]
    [InlineData(true, 1.0, 0L, 1L << 30)]   // default chunking, keep log p for the backward
    [InlineData(false, 0.7, 3L, 0L)]        // tiny chunks, recompute in the backward, temperature
    public void Values_and_gradients_equal_the_full_logits_computation(bool tied, double temperature, long chunk, long keep)
    {
        using var scope = NewScope();
        var ids = FromArray(Ids, 2, 9);
        var mask = FromArray(Mask, 2, 9);
        var options = new LogProbOptions { Temperature = temperature, ChunkRows = chunk, KeepBudgetBytes = keep };

        using var model = Model(tied);
        var (lp, ent) = LogProbs.Compute(model, ids, mask, responseLength: 4, options);
        Assert.Equal([2L, 4L], lp.Shape);
        // A PPO-like loss mixing both outputs so that both backward terms matter.
        (lp * 1.5 + ent * 0.3).Sum().Backward();
        var fused = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Grad!.Clone());

        using var reference = Model(tied);
        var (plp, pent) = Plain(reference, ids, mask, temperature);
        (plp * 1.5 + pent * 0.3).Sum().Backward();
        AssertClose(Flat2(plp), lp, atol: 1e-5, what: "log-probs");
        AssertClose(Flat2(pent), ent, atol: 1e-5, what: "entropy");
        Assert.Equal(0f, lp.ToArray<float>()[7]);                                             // response padding scores 0
        foreach (var (name, p) in reference.NamedParameters())
        {
            AssertClose(p.Grad!.To(DType.Float64).Contiguous().ToArray<double>(), fused[name], rtol: 1e-4, atol: 1e-6, what: name);
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.7)]
    public void Without_entropy_the_kept_probabilities_give_the_full_logits_gradients(double temperature)
    {
        using var scope = NewScope();
        var ids = FromArray(Ids, 2, 9);
        var mask = FromArray(Mask, 2, 9);
        using var model = Model(tied: true);
        var (lp, ent) = LogProbs.Compute(model, ids, mask, responseLength: 4,
            new LogProbOptions { Temperature = temperature, WithEntropy = false });
        Assert.All(ent.ToArray<float>(), e => Assert.Equal(0f, e));
        (lp * 1.5).Sum().Backward();
        // The float64 computation is the reference: float32 gradients of the tied embedding carry cancellation
        // errors of a few 1e-6 whichever way p is rounded.
        using var reference = Model(tied: true);
        reference.To(DType.Float64);
        var (plp, _) = Plain(reference, ids, mask, temperature);
        (plp * 1.5).Sum().Backward();
        AssertClose(Flat2(plp), lp, atol: 1e-5, what: "log-probs");
        var fused = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Grad!);
        foreach (var (name, p) in reference.NamedParameters())
        {
            AssertClose(p.Grad!.To(DType.Float64).Contiguous().ToArray<double>(), fused[name], rtol: 1e-4, atol: 1e-6, what: name);
        }
    }

    /// <summary>The kept softmax block is turned into the gradient in place, so a second backward through a retained
    /// graph must recompute it: both backwards must give the same gradients (to float32 rounding: the second one
    /// recomputes the logits rather than reusing them).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_retained_graph_backpropagates_twice_to_the_same_gradients(bool withEntropy)
    {
        using var scope = NewScope();
        var ids = FromArray(Ids, 2, 9);
        var mask = FromArray(Mask, 2, 9);
        using var model = Model(tied: false);
        var (lp, ent) = LogProbs.Compute(model, ids, mask, responseLength: 4, new LogProbOptions { WithEntropy = withEntropy });
        var loss = (lp * 1.5 + ent * 0.3).Sum();
        loss.Backward(retainGraph: true);
        var first = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Grad!.Clone());
        foreach (var p in model.Parameters())
        {
            p.ZeroGrad();
        }
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            AssertClose(first[name].To(DType.Float64).Contiguous().ToArray<double>(), p.Grad!, rtol: 1e-4, atol: 1e-6, what: name);
        }
    }

    private static double[] Flat2(Tensor t) => t.To(DType.Float64).Contiguous().ToArray<double>();

    [Fact]
    public void Response_length_outside_the_input_is_refused()
    {
        using var scope = NewScope();
        using var model = Model(true);
        var ids = FromArray(Ids, 2, 9);
        var mask = FromArray(Mask, 2, 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => LogProbs.Compute(model, ids, mask, responseLength: 9));
        Assert.Throws<ArgumentOutOfRangeException>(() => LogProbs.Compute(model, ids, mask, responseLength: 0));
    }
}
