using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Testing;
using ToolRL.Tests.Configuration;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

/// <summary>LoRA adapters against tools/model/make_lora_fixtures.py (float64, W x + s·B A x) and PEFT's file layout.</summary>
public sealed class LoraTests
{
    private static readonly string LoraFixtures = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "lora");
    private static readonly string PeftDir = Path.Combine(LoraFixtures, "peft-gqa3");

    private static readonly long[] Ids = [3, 17, 200, 45, 9, 301, 77, 12, 5, 480, 66, 23];

    [Theory]
    [InlineData("lora")]
    [InlineData("rslora")]
    public void Linear_forward_backward_and_merge_match_the_python_oracle(string name)
    {
        using var scope = NewScope();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(LoraFixtures, "linear.json")));
        var c = doc.RootElement.GetProperty(name);
        long nIn = c.GetProperty("in").GetInt64(), nOut = c.GetProperty("out").GetInt64();
        var r = c.GetProperty("r").GetInt32();
        Tensor T(string key, params long[] shape) => FromArray(Vector(c.GetProperty(key)), shape);
        var weights = new CheckpointWeights(new Dictionary<string, Tensor> { ["p.weight"] = T("weight", nOut, nIn), ["p.bias"] = T("bias", nOut) }, "fixture");
        using var layer = new Qwen2Linear(weights, "p", nIn, nOut, bias: true);
        var config = new LoraConfig { R = r, Alpha = c.GetProperty("lora_alpha").GetDouble(), UseRslora = c.GetProperty("use_rslora").GetBoolean(), TargetModules = ["q_proj"] };
        Assert.Equal(c.GetProperty("scaling").GetDouble(), config.Scaling, 12);
        layer.Weight.RequiresGrad = false;
        layer.Bias!.RequiresGrad = false;
        layer.Attach(new LoraAdapter(T("lora_A", r, nIn), T("lora_B", nOut, r), config, new LoraSwitch()));
        var x = T("x", 2, 3, nIn);
        x.RequiresGrad = true;

        var y = layer.Forward(x);
        (y * T("grad_output", 2, 3, nOut)).Sum().Backward();

        AssertClose(Vector(c.GetProperty("y")), y, rtol: 1e-12, atol: 1e-12, what: "y");
        AssertClose(Vector(c.GetProperty("grad_lora_A")), layer.Adapter!.A.Weight.Grad!, rtol: 1e-12, atol: 1e-12, what: "dA");
        AssertClose(Vector(c.GetProperty("grad_lora_B")), layer.Adapter.B.Weight.Grad!, rtol: 1e-12, atol: 1e-12, what: "dB");
        AssertClose(Vector(c.GetProperty("grad_x")), x.Grad!, rtol: 1e-12, atol: 1e-12, what: "dx");
        Assert.Null(layer.Weight.Grad);
        using (NoGrad())
        {
            AssertClose(Vector(c.GetProperty("merged_weight")), layer.Weight + layer.Adapter.Delta(), rtol: 1e-12, atol: 1e-12, what: "W + s·B·A");
        }
    }

    [Fact]
    public void Fresh_adapters_are_initialised_as_peft_and_leave_the_model_unchanged()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var before = model.Forward(Row(Ids));
        model.AddAdapters(new LoraConfig { R = 8, Alpha = 16 }, seed: 3);

        var adapters = model.Model.AdapterParameters().ToList();
        Assert.Equal(2 * 7 * 2, adapters.Count);   // 2 layers × 7 linear layers × (A, B)
        Assert.Equal(adapters.Select(a => (Tensor)a.Param), model.TrainableParameters());
        foreach (var (name, p) in adapters)
        {
            if (name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
            {
                Assert.Equal(0.0, p.Abs().Max().ItemDouble());
            }
            else
            {
                // kaiming_uniform_(a=√5) on [r, in]: U(−1/√in, 1/√in), and not degenerate.
                var bound = 1.0 / Math.Sqrt(p.Size(1));
                Assert.True(p.Abs().Max().ItemDouble() <= bound, name);
                Assert.True(p.Abs().Max().ItemDouble() > 0.8 * bound, name);
            }
        }
        // q_proj [48 → 48] + k,v [48 → 16] + o [48 → 48] + gate, up [48 → 64] + down [64 → 48], r 8, 2 layers.
        long perLayer = 8 * ((48 + 48) + 2 * (48 + 16) + (48 + 48) + 2 * (48 + 64) + (64 + 48));
        Assert.Equal(2 * perLayer, model.TrainableParameters().Sum(p => p.NumEl));
        AssertClose(before.To(DType.Float64).ToArray<double>(), model.Forward(Row(Ids)), rtol: 0, atol: 0, what: "B = 0");
    }

    [Fact]
    public void A_peft_named_adapter_loads_and_equals_the_oracle_merged_weights()
    {
        using var scope = NewScope();
        using var adapted = Qwen2ForCausalLM.FromPretrained(GqaDir);
        adapted.LoadAdapter(PeftDir);
        adapted.Eval();   // the fixture has lora_dropout 0.05, active in training mode only
        var lora = adapted.Model.Lora!;
        Assert.Equal(4, lora.R);
        Assert.True(lora.UseRslora);
        Assert.Equal(["down_proj", "q_proj", "v_proj"], lora.TargetModules.Order());
        Assert.Equal(8 / Math.Sqrt(4), lora.Scaling, 12);

        var oracle = Safetensors.Load(Path.Combine(LoraFixtures, "peft-gqa3.merged.safetensors"));
        using var merged = Qwen2ForCausalLM.FromPretrained(GqaDir);
        merged.LoadStateDict(oracle, strict: false);
        var ids = Row(Ids);
        var expected = merged.Forward(ids).To(DType.Float64).ToArray<double>();
        AssertClose(expected, adapted.Forward(ids), rtol: 1e-4, atol: 1e-5, what: "unmerged adapter vs oracle-merged weights");

        // Merging in place gives the oracle's W + s·B·A, and the same logits.
        adapted.Model.MergeAdapters();
        var state = adapted.StateDict();
        foreach (var (name, weight) in oracle)
        {
            AssertClose(weight.To(DType.Float64).ToArray<double>(), state[name], rtol: 1e-6, atol: 1e-7, what: name);
        }
        AssertClose(expected, adapted.Forward(ids), rtol: 1e-4, atol: 1e-5, what: "merged");
        adapted.Model.UnmergeAdapters();
        AssertClose(expected, adapted.Forward(ids), rtol: 1e-4, atol: 1e-5, what: "unmerged again");
    }

    [Fact]
    public void Adapter_gradients_are_the_same_with_gradient_checkpointing()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        model.LoadAdapter(PeftDir);
        model.Eval();   // no dropout: both passes see the same function
        var ids = Row(Ids);
        double[][] Gradients(bool checkpointing)
        {
            model.Model.GradientCheckpointing = checkpointing;
            model.ZeroGrad();
            model.Forward(ids).LogSoftmax(-1).Mean().Backward();
            return model.Model.AdapterParameters().Select(p => p.Param.Grad!.To(DType.Float64).ToArray<double>()).ToArray();
        }
        var plain = Gradients(false);
        var checkpointed = Gradients(true);
        Assert.All(plain, g => Assert.Contains(g, v => v != 0));
        for (var i = 0; i < plain.Length; i++)
        {
            AssertClose(plain[i], checkpointed[i], rtol: 1e-5, atol: 1e-9, what: $"adapter gradient {i}");
        }
    }

    [Fact]
    public void Switching_adapters_off_gives_the_base_model()
    {
        using var scope = NewScope();
        using var adapted = Qwen2ForCausalLM.FromPretrained(GqaDir);
        using var plain = Qwen2ForCausalLM.FromPretrained(GqaDir);
        adapted.LoadAdapter(PeftDir);
        adapted.Eval();   // the fixture has lora_dropout 0.05, active in training mode only
        var ids = Row(Ids);
        var baseLogits = plain.Forward(ids).To(DType.Float64).ToArray<double>();
        using (adapted.Model.DisableAdapters())
        {
            AssertClose(baseLogits, adapted.Forward(ids), rtol: 0, atol: 0, what: "adapters off");
        }
        Assert.True(adapted.Model.AdaptersEnabled);
        Assert.False(adapted.Forward(ids).AllClose(plain.Forward(ids), 1e-3, 1e-3));
    }

    [Fact]
    public void KV_cache_generation_with_unmerged_adapters_equals_the_merged_model()
    {
        using var scope = NewScope();
        using var adapted = Qwen2ForCausalLM.FromPretrained(GqaDir);
        adapted.LoadAdapter(PeftDir);
        adapted.Eval();   // the fixture has lora_dropout 0.05, active in training mode only
        var options = new GenerationOptions { MaxNewTokens = 24, DoSample = false };
        IReadOnlyList<IReadOnlyList<int>> prompts = [[3, 17, 200, 45], [9, 301, 77, 12, 5, 480]];
        var unmerged = Sampler.Generate(adapted, prompts, options, 1).Select(s => s.TokenIds.ToArray()).ToList();
        adapted.Model.MergeAdapters();
        var merged = Sampler.Generate(adapted, prompts, options, 1).Select(s => s.TokenIds.ToArray()).ToList();
        adapted.Model.UnmergeAdapters();
        using var baseModel = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var plain = Sampler.Generate(baseModel, prompts, options, 1).Select(s => s.TokenIds.ToArray()).ToList();
        Assert.Equal(merged, unmerged);
        Assert.NotEqual(plain, unmerged);   // the adapter does change the continuation
    }

    [Fact]
    public void Save_then_load_round_trips_in_peft_layout_and_save_pretrained_merges()
    {
        using var scope = NewScope();
        using var dir = new TempDirectory("lora-save");
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        model.AddAdapters(new LoraConfig { R = 4, Alpha = 8, TargetModules = ["q_proj", "up_proj"] }, seed: 5);
        using (NoGrad())
        {
            foreach (var (_, p) in model.Model.AdapterParameters())
            {
                p.CopyFrom(Randn(p.Shape) * 0.05);
            }
        }
        var ids = Row(Ids);
        var expected = model.Forward(ids).To(DType.Float64).ToArray<double>();
        var adapterDir = Path.Combine(dir.Path, "adapter");
        model.SaveAdapter(adapterDir);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapterDir, "adapter_config.json")))!;
        Assert.Equal("LORA", (string?)config["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)config["task_type"]);
        Assert.Equal(4, (int)config["r"]!);
        Assert.Equal(8, (double)config["lora_alpha"]!);
        Assert.False((bool)config["fan_in_fan_out"]!);
        Assert.Equal("none", (string?)config["bias"]);
        Assert.Equal(Path.GetFullPath(GqaDir), (string?)config["base_model_name_or_path"]);
        var names = Safetensors.ReadHeader(Path.Combine(adapterDir, "adapter_model.safetensors")).Entries.Select(t => t.Name).Order().ToList();
        Assert.Equal(8, names.Count);
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", names);
        Assert.Contains("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight", names);

        using var loaded = Qwen2ForCausalLM.FromPretrained(GqaDir);
        loaded.LoadAdapter(adapterDir);
        AssertClose(expected, loaded.Forward(ids), rtol: 0, atol: 0, what: "reloaded adapter");

        // SavePretrained of an adapted model writes a plain merged Hugging Face model.
        var mergedDir = Path.Combine(dir.Path, "merged");
        model.SavePretrained(mergedDir);
        using var mergedModel = Qwen2ForCausalLM.FromPretrained(mergedDir);
        Assert.Null(mergedModel.Model.Lora);
        Assert.DoesNotContain(mergedModel.StateDict().Keys, k => k.Contains("lora", StringComparison.Ordinal));
        AssertClose(expected, mergedModel.Forward(ids), rtol: 1e-4, atol: 1e-5, what: "merged save");
    }

    [Fact]
    public void An_adapter_for_another_base_is_refused_naming_both_shapes()
    {
        using var scope = NewScope();
        using var dir = new TempDirectory("lora-mismatch");
        var other = new Qwen2Config
        {
            VocabSize = 512, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        };
        using (var small = Qwen2ForCausalLM.CreateRandom(other, seed: 1))
        {
            small.AddAdapters(new LoraConfig { R = 4, TargetModules = ["q_proj"] }, seed: 1);
            small.SaveAdapter(dir.Path);
        }
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var e = Assert.Throws<ModelConfigException>(() => model.LoadAdapter(dir.Path));
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", e.Message);
        Assert.Contains("[4, 32]", e.Message);
        Assert.Contains("[4, 48]", e.Message);
        Assert.Contains("fix: load the adapter onto the base model it was trained on", e.Message);
        Assert.Null(model.Model.Lora);
    }

    [Fact]
    public void Adapter_configs_peft_features_we_do_not_compute_are_refused()
    {
        var json = File.ReadAllText(Path.Combine(PeftDir, "adapter_config.json"));
        var dora = JsonNode.Parse(json)!.AsObject();
        dora["use_dora"] = true;
        var e = Assert.Throws<ModelConfigException>(() => PeftAdapter.ParseConfig(dora.ToJsonString(), "adapter_config.json"));
        Assert.Contains("'use_dora' = true", e.Message);
        var rank = JsonNode.Parse(json)!.AsObject();
        rank["rank_pattern"] = new JsonObject { ["q_proj"] = 16 };
        Assert.Contains("rank_pattern", Assert.Throws<ModelConfigException>(() => PeftAdapter.ParseConfig(rank.ToJsonString(), "a.json")).Message);
        var target = JsonNode.Parse(json)!.AsObject();
        target["target_modules"] = new JsonArray("q_proj", "lm_head");
        Assert.Contains("'lm_head' is not a linear layer of Qwen2", Assert.Throws<ModelConfigException>(() => PeftAdapter.ParseConfig(target.ToJsonString(), "a.json")).Message);
        var regex = JsonNode.Parse(json)!.AsObject();
        regex["target_modules"] = ".*(q|v)_proj";
        Assert.Equal(["q_proj", "v_proj"], PeftAdapter.ParseConfig(regex.ToJsonString(), "a.json").Config.TargetModules);
    }

    [Fact]
    public void A_lora_critic_shares_the_policy_base_and_trains_adapters_and_head()
    {
        using var scope = NewScope();
        using var dir = new TempDirectory("lora-critic");
        using var policy = Qwen2ForCausalLM.FromPretrained(GqaDir);
        policy.AddAdapters(new LoraConfig { R = 4 }, seed: 1);
        using var critic = Qwen2ValueModel.CreateWithAdapters(policy, seed: 2);
        var trainable = critic.NamedParameters().Where(p => p.Param.RequiresGrad).Select(p => p.Name).ToList();
        Assert.Equal(2 * 7 * 2 + 2, trainable.Count);
        Assert.Contains("score.weight", trainable);
        Assert.All(trainable.Where(n => !n.StartsWith("score.", StringComparison.Ordinal)), n => Assert.Contains(".lora_", n));
        // Shared storage: the critic's base weight is the policy's tensor, not a copy.
        var criticQ = critic.StateDict()["model.layers.0.self_attn.q_proj.weight"];
        var policyQ = policy.StateDict()["model.layers.0.self_attn.q_proj.weight"];
        using (NoGrad())
        {
            policyQ.AddInPlace(1.0);
            Assert.True(criticQ.Equal(policyQ));
            policyQ.AddInPlace(-1.0);
        }

        using (NoGrad())
        {
            foreach (var p in critic.TrainableParameters())
            {
                p.AddInPlace(Randn(p.Shape) * 0.05);
            }
        }
        var ids = Row(Ids);
        var expected = critic.Forward(ids).To(DType.Float64).ToArray<double>();
        critic.SaveAdapter(dir.Path);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "adapter_config.json")))!;
        Assert.Equal("TOKEN_CLS", (string?)config["task_type"]);
        Assert.Equal("score", (string?)config["modules_to_save"]![0]);
        using var again = Qwen2ValueModel.CreateWithAdapters(policy, seed: 9);
        again.LoadAdapter(dir.Path);
        AssertClose(expected, again.Forward(ids), rtol: 0, atol: 0, what: "critic adapter round trip");
    }

    [Fact]
    public void Merge_command_writes_a_plain_model_with_the_oracle_weights_and_refuses_a_foreign_adapter()
    {
        using var scope = NewScope();
        using var dir = new TempDirectory("lora-merge");
        var output = Path.Combine(dir.Path, "merged");
        Assert.Equal(0, ToolRL.Cli.Program.Main(["merge", "--model", GqaDir, "--adapter", PeftDir, "--output", output, "--dtype", "float32"]));
        Assert.False(File.Exists(Path.Combine(output, "adapter_config.json")));
        var saved = Safetensors.Load(Path.Combine(output, "model.safetensors"));
        Assert.DoesNotContain(saved.Keys, k => k.Contains("lora", StringComparison.Ordinal));
        foreach (var (name, weight) in Safetensors.Load(Path.Combine(LoraFixtures, "peft-gqa3.merged.safetensors")))
        {
            AssertClose(weight.To(DType.Float64).ToArray<double>(), saved[name], rtol: 1e-6, atol: 1e-7, what: name);
        }
        var untouched = Safetensors.Load(Path.Combine(GqaDir, "model.safetensors"));
        Assert.True(saved["model.layers.0.self_attn.k_proj.weight"].Equal(untouched["model.layers.0.self_attn.k_proj.weight"].To(DType.Float32)));

        var foreign = Path.Combine(dir.Path, "foreign");
        var other = new Qwen2Config { VocabSize = 512, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2 };
        using (var small = Qwen2ForCausalLM.CreateRandom(other, seed: 1))
        {
            small.AddAdapters(new LoraConfig { R = 2 }, seed: 1);
            small.SaveAdapter(foreign);
        }
        Assert.Equal(1, ToolRL.Cli.Program.Main(["merge", "--model", GqaDir, "--adapter", foreign, "--output", Path.Combine(dir.Path, "bad")]));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "bad")));
    }

    [Fact]
    public void Model_lora_config_reads_peft_fields_and_names_bad_values()
    {
        var ok = TrainingConfig.Parse(ConfigJson.With(o => o["model"]!["lora"] = new JsonObject
        {
            ["r"] = 8, ["lora_alpha"] = 16, ["target_modules"] = "all-linear", ["use_rslora"] = true,
        }));
        Assert.Equal(LoraConfig.LinearModules, ok.Model.Lora!.TargetModules);
        Assert.Equal(16 / Math.Sqrt(8), ok.Model.Lora.Scaling, 12);
        var roundTrip = TrainingConfig.Parse(ok.ToJsonString());
        Assert.Equal(ok.Model.Lora.TargetModules, roundTrip.Model.Lora!.TargetModules);
        Assert.Equal(ok.Model.Lora.Scaling, roundTrip.Model.Lora.Scaling);

        var e = ConfigJson.Refuse(ConfigJson.With(o => o["model"]!["lora"] = new JsonObject
        {
            ["r"] = 0, ["target_modules"] = new JsonArray("q_proj", "lm_head"), ["bias"] = "all",
        }));
        Assert.Contains(e.Errors, x => x.Path == "$.model.lora.r" && x.Value == "0" && x.Fix.Contains("rank", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Path == "$.model.lora.target_modules" && x.Problem.Contains("'lm_head'", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x.Path == "$.model.lora.bias" && x.Fix.Contains("\"none\"", StringComparison.Ordinal));

        var dropout = ConfigJson.Refuse(ConfigJson.With(o =>
        {
            o["model"]!["gradient_checkpointing"] = true;
            o["model"]!["lora"] = new JsonObject { ["lora_dropout"] = 0.1 };
        }));
        Assert.Contains(dropout.Errors, x => x.Path == "$.model.lora" && x.Fix.Contains("lora_dropout", StringComparison.Ordinal));
    }
}
