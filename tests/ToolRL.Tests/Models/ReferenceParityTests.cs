using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

/// <summary>Float32 forward/backward against the float64 references of both fixture models (1e-4 relative).</summary>
public class ReferenceParityTests
{
    [Fact]
    public void Tiny_model_matches_reference_hidden_states_logits_and_log_probs()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(TinyDir);
        var r = TinyReference();
        var ids = Ids(r.GetProperty("input_ids"));
        var input = Row(ids);
        var states = new List<Tensor>();
        var hidden = model.Model.Forward(input, hiddenStates: states);                  // [1,36,8]
        var layers = r.GetProperty("hidden_states_per_layer_output");
        Assert.Equal(3, states.Count);
        AssertClose(Flat(layers.GetProperty("embeddings")), states[0], what: "embeddings");
        AssertClose(Flat(layers.GetProperty("after_layer_1")), states[1], what: "layer 1");
        AssertClose(Flat(layers.GetProperty("after_layer_2")), states[2], what: "layer 2");
        AssertClose(Flat(r.GetProperty("final_norm_output")), hidden, what: "final norm");

        var logits = model.Logits(hidden).Select(0, 0);                                  // [36,V]
        var probes = r.GetProperty("logits_at_probe_ids");
        var probeIds = FromArray(Ids(probes.GetProperty("probe_ids")), 9);
        AssertClose(Flat(probes.GetProperty("values")), logits.IndexSelect(1, probeIds), what: "probe logits");
        AssertClose(Vector(r.GetProperty("logsumexp_per_position")), logits.LogSumExp(-1), what: "logsumexp");
        var (topValues, topIds) = logits.TopK(5, -1);
        var top5 = r.GetProperty("top5_per_position");
        Assert.Equal(Flat(top5.GetProperty("ids")).Select(x => (long)x), topIds.Contiguous().ToArray<long>());
        AssertClose(Flat(top5.GetProperty("values")), topValues, what: "top-5 values");

        var ones = OnesLike(input);
        var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones);                   // [1,36], column 0 unscored
        AssertClose(Vector(r.GetProperty("next_token_logprobs")), lp.Narrow(1, 1, ids.Length - 1), what: "next-token log-probs");
        Assert.Equal(r.GetProperty("mean_nll_loss").GetDouble(), -lp.Sum().ItemDouble() / (ids.Length - 1), 4);
    }

    [Fact]
    public void Tiny_model_gradients_of_the_mean_nll_match_reference_through_the_fused_scoring()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(TinyDir);
        var r = TinyReference();
        var input = Row(Ids(r.GetProperty("input_ids")));
        var ones = OnesLike(input);
        var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones);
        var loss = -lp.Sum() / (input.Size(1) - 1);
        loss.Backward();
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param);
        foreach (var g in r.GetProperty("grad_of_mean_nll").EnumerateObject())
        {
            AssertClose(Flat(g.Value), parameters[g.Name].Grad!, atol: 1e-6, what: g.Name);
        }
        var rows = r.GetProperty("grad_embed_tokens_rows");
        var rowIds = FromArray(Ids(rows.GetProperty("row_ids")), rows.GetProperty("row_ids").GetArrayLength());
        AssertClose(Flat(rows.GetProperty("values")), parameters["model.embed_tokens.weight"].Grad!.IndexSelect(0, rowIds),
            atol: 1e-6, what: "tied embedding rows (lookup + output projection)");
    }

    [Fact]
    public void Untied_gqa_model_matches_reference_at_positions_up_to_1023()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        Assert.False(model.Config.TieWordEmbeddings);
        Assert.Equal(3, model.Config.GroupSize);
        var r = GqaReference();
        var ids = Ids(r.GetProperty("input_ids"));
        var input = Row(ids);
        var hidden = model.Model.Forward(input);                                          // [1,1024,48]
        var logits = model.Logits(hidden).Select(0, 0);                                   // [1024,512]
        AssertClose(Vector(r.GetProperty("logsumexp")), logits.LogSumExp(-1), what: "logsumexp");
        var probes = FromArray(Ids(r.GetProperty("probe_positions")), r.GetProperty("probe_positions").GetArrayLength());
        AssertClose(Flat(r.GetProperty("probe_logits")), logits.IndexSelect(0, probes), what: "probe logits");
        AssertClose(Flat(r.GetProperty("probe_final_hidden")), hidden.Select(0, 0).IndexSelect(0, probes), what: "probe hidden");
        var ones = OnesLike(input);
        var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones);
        AssertClose(Vector(r.GetProperty("next_token_logprobs")), lp.Narrow(1, 1, ids.Length - 1), what: "log-probs");
    }

    [Fact]
    public void Untied_gqa_model_gradients_match_reference()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var r = GqaReference();
        var n = r.GetProperty("grad_loss_prefix_length").GetInt32();
        var input = Row(Ids(r.GetProperty("input_ids"))[..n]);
        // The plain path here (full logits + cross-entropy); the fused path is checked on the tiny model.
        var logits = model.Forward(input).Select(0, 0);                                    // [n,512]
        var loss = CrossEntropy(logits.Narrow(0, 0, n - 1), input.Select(0, 0).Narrow(0, 1, n - 1));
        Assert.Equal(r.GetProperty("grad_mean_nll").GetDouble(), loss.ItemDouble(), 4);
        loss.Backward();
        var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param);
        foreach (var g in r.GetProperty("grads").EnumerateObject())
        {
            AssertClose(Flat(g.Value), parameters[g.Name].Grad!, atol: 1e-6, what: g.Name);
        }
        var rowIds = FromArray(Ids(r.GetProperty("grad_rows")), r.GetProperty("grad_rows").GetArrayLength());
        AssertClose(Flat(r.GetProperty("grad_embed_rows")), parameters["model.embed_tokens.weight"].Grad!.IndexSelect(0, rowIds), atol: 1e-6, what: "embedding rows");
        AssertClose(Flat(r.GetProperty("grad_lm_head_rows")), parameters["lm_head.weight"].Grad!.IndexSelect(0, rowIds), atol: 1e-6, what: "lm_head rows");
    }

    [Fact]
    public void Left_padded_batch_and_greedy_continuation_match_reference()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var r = GqaReference();
        var padded = r.GetProperty("padded_batch");
        var ids = FromArray(Flat(padded.GetProperty("input_ids")).Select(x => (long)x).ToArray(), 2, 12);
        var mask = FromArray(Flat(padded.GetProperty("attention_mask")).Select(x => (long)x).ToArray(), 2, 12);
        var logits = model.Forward(ids, mask);
        AssertClose(Flat(padded.GetProperty("logits_last")), logits.Select(1, 11), what: "padded batch last logits");

        var greedy = r.GetProperty("greedy");
        var prompt = Ids(greedy.GetProperty("prompt")).Select(x => (int)x).ToArray();
        var expected = Ids(greedy.GetProperty("continuation")).Select(x => (int)x).ToArray();
        var result = Sampler.Generate(model, [prompt], new GenerationOptions { DoSample = false, MaxNewTokens = expected.Length });
        Assert.Equal(expected, result[0].TokenIds);
        Assert.Equal(FinishReason.Length, result[0].FinishReason);
    }
}
