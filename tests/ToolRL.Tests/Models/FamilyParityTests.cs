using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Testing;
using ToolRL.Torch;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

/// <summary>
/// Qwen3 (head_dim 16 ≠ hidden/heads 8, q/k norms, no biases, tied) and Llama 3.x (untied, rope_scaling llama3 with an
/// original context of 64, so the scaled frequencies act within the 256 tested positions) against the float64 references
/// of tools/model/make_family_fixtures.py, in float32 through the same fused paths as Qwen2.
/// </summary>
public sealed class FamilyParityTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-family-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    public static TheoryData<string> Fixtures => new() { "qwen3-hd16", "llama3-scaled" };

    private static string Dir(string name) => TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", name);

    private static JsonElement Reference(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Dir(name) + ".reference.json"));
        return doc.RootElement.Clone();
    }

    [Fact]
    public void Configs_are_read_by_model_type_with_their_variations()
    {
        var qwen3 = Qwen2Config.FromDirectory(Dir("qwen3-hd16"));
        Assert.Equal(ModelArchitecture.Qwen3, qwen3.Architecture);
        Assert.Equal(16, qwen3.HeadDim);
        Assert.NotEqual(qwen3.HiddenSize / qwen3.NumAttentionHeads, qwen3.HeadDim);
        Assert.True(qwen3.TieWordEmbeddings);
        Assert.Null(qwen3.RopeScaling);

        var llama = Qwen2Config.FromDirectory(Dir("llama3-scaled"));
        Assert.Equal(ModelArchitecture.Llama, llama.Architecture);
        Assert.False(llama.TieWordEmbeddings);
        Assert.Equal(new Llama3RopeScaling(32, 1, 4, 64), llama.RopeScaling);

        // transformers' Qwen3Config defaults head_dim to 128, not hidden / heads.
        Assert.Equal(128, Qwen2Config.Parse("""{"model_type": "qwen3", "hidden_size": 64, "num_attention_heads": 4}""").HeadDim);
        var yarn = Assert.Throws<ModelConfigException>(() => Qwen2Config.Parse(
            """{"model_type": "llama", "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""", "c.json"));
        Assert.Contains("rope_scaling", yarn.Message);
        Assert.Contains("llama3", yarn.Message);
        var missing = Assert.Throws<ModelConfigException>(() => Qwen2Config.Parse(
            """{"model_type": "llama", "rope_scaling": {"rope_type": "llama3", "factor": 8.0}}""", "c.json"));
        Assert.Contains("low_freq_factor", missing.Message);
        var unknown = Assert.Throws<ModelConfigException>(() => Qwen2Config.Parse("""{"model_type": "mistral"}""", "c.json"));
        Assert.Contains("\"mistral\"", unknown.Message);
        Assert.Contains("qwen3", unknown.Message);
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Rotary_frequencies_match_transformers(string name)
    {
        var config = Qwen2Config.FromDirectory(Dir(name));
        var rotary = new RotaryEmbedding(config);
        var expected = Vector(Reference(name).GetProperty("inverse_frequencies"));
        AssertClose(expected, rotary.InverseFrequencies.Select(f => (double)f).ToArray(), rtol: 1e-6, atol: 0, what: "inv_freq");
        if (config.RopeScaling is { } scaling)
        {
            // All three bands occur: kept (λ < 16), smoothed (16 ≤ λ ≤ 64) and divided by the factor (λ > 64).
            var plain = new RotaryEmbedding(config with { RopeScaling = null }).InverseFrequencies;
            var ratios = plain.Zip(rotary.InverseFrequencies, (p, s) => p / s).ToArray();
            Assert.Contains(ratios, r => r == 1f);
            Assert.Contains(ratios, r => Math.Abs(r - scaling.Factor) < 1e-4);
            Assert.Contains(ratios, r => r > 1.01 && r < scaling.Factor - 0.01);
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Hidden_states_logits_and_log_probs_match_the_float64_reference(string name)
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(Dir(name));
        var r = Reference(name);
        var ids = Ids(r.GetProperty("input_ids"));
        var input = Row(ids);
        var probes = FromArray(Ids(r.GetProperty("probe_positions")), r.GetProperty("probe_positions").GetArrayLength());
        var states = new List<Tensor>();
        var hidden = model.Model.Forward(input, hiddenStates: states);                   // [1,256,H]
        var expectedStates = r.GetProperty("probe_hidden_states").EnumerateArray().ToList();
        Assert.Equal(expectedStates.Count, states.Count);
        for (var i = 0; i < states.Count; i++)
        {
            AssertClose(Flat(expectedStates[i]), states[i].Select(0, 0).IndexSelect(0, probes), what: $"hidden state {i}");
        }
        AssertClose(Flat(r.GetProperty("probe_final_hidden")), hidden.Select(0, 0).IndexSelect(0, probes), what: "final norm");
        var logits = model.Logits(hidden).Select(0, 0);                                   // [256,V]
        AssertClose(Flat(r.GetProperty("probe_logits")), logits.IndexSelect(0, probes), what: "probe logits");
        AssertClose(Vector(r.GetProperty("logsumexp")), logits.LogSumExp(-1), what: "logsumexp");
        var ones = OnesLike(input);
        var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones);                    // fused chunked scoring
        AssertClose(Vector(r.GetProperty("next_token_logprobs")), lp.Narrow(1, 1, ids.Length - 1), what: "next-token log-probs");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Gradients_match_the_reference_with_and_without_gradient_checkpointing(string name)
    {
        var r = Reference(name);
        var n = r.GetProperty("grad_loss_prefix_length").GetInt32();
        foreach (var checkpointing in new[] { false, true })
        {
            using var scope = NewScope();
            using var model = Qwen2ForCausalLM.FromPretrained(Dir(name));
            model.Model.GradientCheckpointing = checkpointing;
            var input = Row(Ids(r.GetProperty("input_ids"))[..n]);
            var ones = OnesLike(input);
            var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones);
            var loss = -lp.Sum() / (n - 1);
            Assert.Equal(r.GetProperty("grad_mean_nll").GetDouble(), loss.ItemDouble(), 4);
            loss.Backward();
            var parameters = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param);
            foreach (var g in r.GetProperty("grads").EnumerateObject())
            {
                AssertClose(Flat(g.Value), parameters[g.Name].Grad!, atol: 1e-6, what: $"{g.Name} (checkpointing {checkpointing})");
            }
            var rowIds = FromArray(Ids(r.GetProperty("grad_rows")), r.GetProperty("grad_rows").GetArrayLength());
            AssertClose(Flat(r.GetProperty("grad_embed_rows")), parameters["model.embed_tokens.weight"].Grad!.IndexSelect(0, rowIds), atol: 1e-6, what: "embedding rows");
            if (r.TryGetProperty("grad_lm_head_rows", out var head))
            {
                AssertClose(Flat(head), parameters["lm_head.weight"].Grad!.IndexSelect(0, rowIds), atol: 1e-6, what: "lm_head rows");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Left_padded_batch_and_kv_cached_greedy_decoding_match_full_recomputation(string name)
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(Dir(name));
        var r = Reference(name);
        var padded = r.GetProperty("padded_batch");
        var ids = FromArray(Flat(padded.GetProperty("input_ids")).Select(x => (long)x).ToArray(), 2, 12);
        var mask = FromArray(Flat(padded.GetProperty("attention_mask")).Select(x => (long)x).ToArray(), 2, 12);
        AssertClose(Flat(padded.GetProperty("logits_last")), model.Forward(ids, mask).Select(1, 11), what: "padded batch last logits");

        // The reference recomputes the whole sequence for each token; Sampler decodes with the KV cache.
        var greedy = r.GetProperty("greedy");
        var prompt = Ids(greedy.GetProperty("prompt")).Select(x => (int)x).ToArray();
        var expected = Ids(greedy.GetProperty("continuation")).Select(x => (int)x).ToArray();
        var result = Sampler.Generate(model, [prompt], new GenerationOptions { DoSample = false, MaxNewTokens = expected.Length });
        Assert.Equal(expected, result[0].TokenIds);

        // Step by step through the cache, each new token's logits equal the full forward's at that position.
        var all = prompt.Concat(expected).Select(x => (long)x).ToArray();
        var full = model.Forward(Row(all)).Select(0, 0);                                  // [T,V]
        using var cache = model.CreateCache(1, all.Length);
        using var noGrad = NoGrad();
        model.ForwardHidden(Row(all[..prompt.Length]), cache: cache);
        for (var t = prompt.Length; t < all.Length; t++)
        {
            var step = model.Logits(model.ForwardHidden(Row([all[t]]), cache: cache)).Select(0, 0).Select(0, 0);
            AssertClose(full.Select(0, t).To(DType.Float64).ToArray<double>(), step, rtol: 1e-4, atol: 1e-4, what: $"cached step {t}");
        }
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Score_lines_match_the_reference(string name)
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(Dir(name));
        var line = SequenceScorer.ScoreJsonLine(model, _ => throw new InvalidOperationException("ids only"), """{"ids": [1, 2, 3, 4]}""", "in.jsonl:1");
        AssertClose(Vector(Reference(name).GetProperty("score_ids_1_2_3_4")),
            JsonNode.Parse(line)!["logprobs"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray(), what: "score");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Saved_model_keeps_its_architecture_and_reloads_exactly(string name)
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(Dir(name));
        model.SavePretrained(_dir, DType.Float32);
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")))!.AsObject();
        var original = JsonNode.Parse(File.ReadAllText(Path.Combine(Dir(name), "config.json")))!.AsObject();
        Assert.Equal(original["model_type"]!.GetValue<string>(), saved["model_type"]!.GetValue<string>());
        Assert.Equal(original["architectures"]!.ToJsonString(), saved["architectures"]!.ToJsonString());
        Assert.Equal(original["rope_scaling"]?.ToJsonString(), saved["rope_scaling"]?.ToJsonString());
        using var again = Qwen2ForCausalLM.FromPretrained(_dir);
        Assert.Equal(model.Config.Architecture, again.Config.Architecture);
        Assert.Equal(model.Config.RopeScaling, again.Config.RopeScaling);
        var ids = Row([5, 9, 2, 200, 17, 3]);
        Assert.True(model.Forward(ids).Equal(again.Forward(ids)));
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Lora_adapts_every_linear_layer_and_merges_to_the_same_outputs(string name)
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(Dir(name));
        var ids = Row([5, 9, 2, 200, 17, 3, 44, 1]);
        var before = model.Forward(ids);
        model.AddAdapters(new LoraConfig { R = 4, Alpha = 8 }, seed: 3);
        var adapters = model.Model.AdapterParameters().ToList();
        Assert.Equal(2 * 7 * model.Config.NumHiddenLayers, adapters.Count);
        Assert.True(model.Forward(ids).Equal(before));                                    // B = 0: no change yet
        using (NoGrad())
        {
            foreach (var (_, p) in adapters.Where(a => a.Name.EndsWith("lora_B.weight", StringComparison.Ordinal)))
            {
                p.CopyFrom(FullLike(p, 0.05));
            }
        }
        var adapted = model.Forward(ids);
        Assert.False(adapted.AllClose(before, 1e-3, 1e-3));
        var trainable = model.NamedParameters().Where(p => p.Param.RequiresGrad).Select(p => p.Name).ToList();
        Assert.All(trainable, n => Assert.Contains(".lora_", n));
        Assert.DoesNotContain(trainable, n => n.Contains("q_norm", StringComparison.Ordinal));
        model.Model.MergeAdapters();
        AssertClose(adapted.To(DType.Float64).Contiguous().ToArray<double>(), model.Forward(ids), rtol: 1e-4, atol: 1e-5, what: "merged");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Value_model_saves_in_its_architectures_token_classification_layout(string name)
    {
        using var scope = NewScope();
        using var policy = Qwen2ForCausalLM.FromPretrained(Dir(name));
        using var critic = Qwen2ValueModel.CreateFrom(policy, seed: 2);
        var ids = Row([5, 9, 2, 200, 17, 3]);
        var values = critic.Forward(ids);
        Assert.Equal([1L, 6L], values.Shape);
        critic.SavePretrained(_dir);
        var saved = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")))!.AsObject();
        var expectedClass = policy.Config.Architecture == ModelArchitecture.Qwen3 ? "Qwen3ForTokenClassification" : "LlamaForTokenClassification";
        Assert.Equal(expectedClass, saved["architectures"]![0]!.GetValue<string>());
        using var again = Qwen2ValueModel.FromPretrained(_dir);
        Assert.True(again.Forward(ids).Equal(values));
    }
}
