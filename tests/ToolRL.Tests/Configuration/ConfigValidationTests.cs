using System.Text.Json.Nodes;
using ToolRL.Algorithms;
using ToolRL.Configuration;
using ToolRL.Rewards;

namespace ToolRL.Tests.Configuration;

public class ConfigValidationTests
{
    [Fact]
    public void TinyConfigParsesWithToolRLDefaults()
    {
        var c = TrainingConfig.Parse(ConfigJson.TinyGrpo);
        Assert.Equal(AlgorithmKind.Grpo, c.Algorithm);
        Assert.Equal(4, c.N);
        Assert.Equal(1e-6, c.ActorLr);
        Assert.Equal(0.2, c.ClipRatioLow);
        Assert.Equal(0.2, c.ClipRatioHigh);
        Assert.Equal(3.0, c.ClipRatioC);
        Assert.True(c.UseKlInReward);
        Assert.False(c.UseKlLoss);
        Assert.Equal(0.001, c.KlCoef);
        Assert.Equal(KlEstimator.K1, c.KlPenalty);
        Assert.Equal(0.001, c.EntropyCoeff);
        Assert.Equal(LossAggregationMode.TokenMean, c.LossAggMode);
        Assert.Equal(32, c.ResponsesPerStep);
        Assert.Equal(2, c.MiniBatchesPerStep);
        Assert.Equal(4, c.GradientAccumulationSteps);
        Assert.Equal(64, c.Model.Tiny!.HiddenSize);
        Assert.Equal(16, c.Model.Tiny.HeadDim);
        Assert.Equal(512, c.Tokenizer.TrainBpe!.VocabSize);
        Assert.Equal("runs/toolrl-qwen", c.Trainer.OutputDir);
        Assert.Equal("toolrl", Assert.Single(c.Reward.Functions).Name);
    }

    [Fact]
    public void GroupSizeDefaultsDependOnAlgorithm()
    {
        var ppo = TrainingConfig.Parse(ConfigJson.With(o => { o["algorithm"] = "ppo"; o.Remove("n"); }));
        Assert.Equal(1, ppo.N);
        var grpo = TrainingConfig.Parse(ConfigJson.With(o => o.Remove("n")));
        Assert.Equal(4, grpo.N);
    }

    [Fact]
    public void UnknownKeyIsRefusedWithSuggestion()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["ppo_clip_rang"] = 0.1));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.ppo_clip_rang", error.Path);
        Assert.Equal("0.1", error.Value);
        Assert.Contains("unknown key", error.Problem);
        Assert.Contains("did you mean \"ppo_clip_range\"", error.Fix);
        Assert.Contains("test.json", e.Message);
    }

    [Fact]
    public void UnknownNestedKeyNamesItsPath()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["model"]!["tiny"]!["hiden_size"] = 64));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.model.tiny.hiden_size", error.Path);
        Assert.Contains("\"hidden_size\"", error.Fix);
    }

    [Fact]
    public void OutOfRangeValueNamesFieldValueAndFix()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["ppo_clip_range"] = 1.5));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.ppo_clip_range", error.Path);
        Assert.Equal("1.5", error.Value);
        Assert.Contains("(0, 1)", error.Problem);
        Assert.Contains("set ppo_clip_range to e.g. 0.2", error.Fix);
        Assert.Contains("$.ppo_clip_range = 1.5: must be in (0, 1). Fix: set ppo_clip_range", e.Message);
    }

    [Fact]
    public void WrongTypeIsRefused()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["batch_size"] = "8"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.batch_size", error.Path);
        Assert.Equal("\"8\"", error.Value);
        Assert.Contains("whole number", error.Problem);
    }

    [Fact]
    public void FractionalCountIsRefused()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["epochs"] = 1.5));
        Assert.Equal("$.epochs", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void BadEnumListsAllowedValues()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["loss_agg_mode"] = "token_mean"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.loss_agg_mode", error.Path);
        Assert.Contains("\"token-mean\"", error.Problem);
        Assert.Contains("\"seq-mean-token-sum-norm\"", error.Problem);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o =>
        {
            o["actor_lr"] = -1;
            o["device"] = "gpu";
            o["sampling"] = new JsonObject { ["top_p"] = 0 };
        }));
        Assert.Equal(["$.actor_lr", "$.device", "$.sampling.top_p"], e.Errors.Select(x => x.Path).Order().ToArray());
    }

    [Fact]
    public void MissingAlgorithmIsRefused()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o.Remove("algorithm")));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.algorithm", error.Path);
        Assert.Null(error.Value);
        Assert.Contains("\"algorithm\": \"grpo\"", error.Fix);
    }

    [Fact]
    public void MiniBatchMustDivideBatch()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => { o["batch_size"] = 512; o["ppo_mini_batch_size"] = 100; o["data"]!["synthetic"]!["train_count"] = 600; }));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.ppo_mini_batch_size", error.Path);
        Assert.Equal("100", error.Value);
        Assert.Contains("does not divide batch_size 512", error.Problem);
        Assert.Contains("e.g. 64", error.Fix);
    }

    [Fact]
    public void MicroBatchMustDivideResponsesPerMiniBatch()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["ppo_micro_batch_size"] = 5));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.ppo_micro_batch_size", error.Path);
        Assert.Contains("ppo_mini_batch_size × n = 16", error.Problem);
        Assert.Contains("e.g. 4", error.Fix);
    }

    [Fact]
    public void DynamicBatchingSkipsMicroBatchDivisibility()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => { o["ppo_micro_batch_size"] = 5; o["use_dynamic_bsz"] = true; o["ppo_max_token_len_per_gpu"] = 4096; }));
        Assert.True(c.UseDynamicBsz);
    }

    [Fact]
    public void GrpoNeedsGroupsOfTwo()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["n"] = 1));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.n", error.Path);
        Assert.Contains("GRPO", error.Problem);
    }

    [Fact]
    public void KlInRewardAndLossTogetherAreRefused()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["use_kl_loss"] = true));
        Assert.Equal("$.use_kl_loss", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void InitKlCoefMustAgreeWithKlCoef()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => { o["kl_coef"] = 0.05; o["kl_ctrl"] = new JsonObject { ["init_kl_coef"] = 0.3 }; }));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.kl_ctrl.init_kl_coef", error.Path);
        Assert.Contains("kl_coef 0.05", error.Problem);
    }

    [Fact]
    public void StepToolAdaptiveControllerWithTargetAlias()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => { o.Remove("kl_coef"); o["kl_ctrl"] = new JsonObject { ["type"] = "adaptive", ["init_kl_coef"] = 0.3, ["target"] = 6, ["horizon"] = 10000 }; }));
        Assert.Equal(KlControllerType.Adaptive, c.KlCtrl.Type);
        Assert.Equal(0.3, c.KlCoef);
        Assert.Equal(6, c.KlCtrl.TargetKl);
        Assert.Equal(10000, c.KlCtrl.Horizon);
    }

    [Fact]
    public void ModelNeedsExactlyOneSource()
    {
        var both = ConfigJson.Refuse(ConfigJson.With(o => o["model"]!["base_model"] = "models/x"));
        Assert.Equal("$.model.tiny", Assert.Single(both.Errors).Path);
        var neither = ConfigJson.Refuse(ConfigJson.With(o => o["model"] = new JsonObject()));
        Assert.Equal("$.model", Assert.Single(neither.Errors).Path);
        var missing = ConfigJson.Refuse(ConfigJson.With(o => o.Remove("model")));
        Assert.Equal("$.model", Assert.Single(missing.Errors).Path);
    }

    [Fact]
    public void TinyModelShapeIsChecked()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["model"]!["tiny"]!["num_key_value_heads"] = 3));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.model.tiny.num_key_value_heads", error.Path);
        Assert.Contains("num_attention_heads 4 is not divisible by num_key_value_heads 3", error.Problem);
    }

    [Fact]
    public void TinyModelNeedsTokenizerAndRoomForSequences()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => { o.Remove("tokenizer"); o["max_prompt_length"] = 8192; }));
        Assert.Equal(["$.model.tiny.max_position_embeddings", "$.tokenizer"], e.Errors.Select(x => x.Path).Order().ToArray());
    }

    [Fact]
    public void BaseModelFolderIsTheDefaultTokenizer()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => { o["model"] = new JsonObject { ["base_model"] = "models/q" }; o.Remove("tokenizer"); }));
        Assert.Equal("models/q", c.Tokenizer.Path);
    }

    [Fact]
    public void DataPoliciesUseTheDataAreaTypes()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o =>
        {
            o["data"]!["invalid_rows"] = "error";
            o["data"]!["truncation"] = "left";
            o["data"]!["synthetic"]!["preset"] = "tiny";
        }));
        Assert.Equal(ToolRL.Data.InvalidRowPolicy.Fail, c.Data.InvalidRows);
        Assert.Equal(ToolRL.Data.PromptTruncation.Left, c.Data.Truncation);
        Assert.Same(ToolRL.Data.SyntheticTaskOptions.Tiny, c.Data.Synthetic!.TaskOptions);
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["data"]!["truncation"] = "middle"));
        Assert.Equal("$.data.truncation", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void SyntheticInstructionsOverrideThePresetsAndBadNamesAreRefused()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o =>
        {
            o["data"]!["synthetic"]!["preset"] = "hard";
            o["data"]!["synthetic"]!["instructions"] = "minimal";
        }));
        Assert.Equal(ToolRL.Data.SyntheticInstructions.Minimal, c.Data.Synthetic!.TaskOptions.Instructions);
        Assert.Equal(ToolRL.Data.SyntheticTaskOptions.Hard.ToolsPerPrompt, c.Data.Synthetic.TaskOptions.ToolsPerPrompt);
        Assert.Equal(c.ToJsonString(), TrainingConfig.Parse(c.ToJsonString()).ToJsonString());
        // Absent: the preset's own text, and nothing is written back.
        var plain = TrainingConfig.Parse(ConfigJson.With(o => o["data"]!["synthetic"]!["preset"] = "hard"));
        Assert.Equal(ToolRL.Data.SyntheticInstructions.Full, plain.Data.Synthetic!.TaskOptions.Instructions);
        Assert.DoesNotContain("instructions", plain.ToJsonString());

        var e = ConfigJson.Refuse(ConfigJson.With(o => o["data"]!["synthetic"]!["instructions"] = "short"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.data.synthetic.instructions", error.Path);
        Assert.Contains("minimal", error.Fix);
    }

    [Fact]
    public void SyntheticTrainValuesAreReadWrittenOnlyWhenWideAndBadNamesAreRefused()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => o["data"]!["synthetic"]!["train_values"] = "wide"));
        Assert.Equal(ToolRL.Data.SyntheticValueRange.Wide, c.Data.Synthetic!.TaskOptions.TrainValues);
        Assert.Matches("\"train_values\":\\s*\"wide\"", c.ToJsonString());
        Assert.Equal(c.ToJsonString(), TrainingConfig.Parse(c.ToJsonString()).ToJsonString());
        var plain = TrainingConfig.Parse(ConfigJson.With(o => o["data"]!["synthetic"]!["train_values"] = "typical"));
        Assert.Equal(ToolRL.Data.SyntheticValueRange.Typical, plain.Data.Synthetic!.TaskOptions.TrainValues);
        Assert.DoesNotContain("train_values", plain.ToJsonString());

        var e = ConfigJson.Refuse(ConfigJson.With(o => o["data"]!["synthetic"]!["train_values"] = "huge"));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.data.synthetic.train_values", error.Path);
        Assert.Contains("wide", error.Fix);
    }

    [Fact]
    public void SyntheticDataMustFillOneBatch()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["data"]!["synthetic"]!["train_count"] = 4));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.data.synthetic.train_count", error.Path);
        Assert.Contains("batch_size 8", error.Problem);
    }

    [Fact]
    public void ValidationNeedsValidationData()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["data"]!["synthetic"]!["val_count"] = 0));
        Assert.Equal("$.trainer.test_freq", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void SftAlgorithmNeedsSftSection()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["algorithm"] = "sft"));
        Assert.Equal("$.sft", Assert.Single(e.Errors).Path);
        var c = TrainingConfig.Parse(ConfigJson.With(o => { o["algorithm"] = "sft"; o["sft"] = new JsonObject { ["batch_size"] = 4, ["micro_batch_size"] = 2 }; }));
        Assert.Equal(2, c.Sft!.MicroBatchSize);
    }

    [Fact]
    public void RewardFunctionsAreCheckedAndSwitchesKeptRaw()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => o["reward"] = JsonNode.Parse("""{"functions":[{"name":"toolrl","weight":1},{"name":"length_penalty","weight":-0.5}],"toolrl":{"CORRECTMAX1":1}}""")));
        Assert.Equal(-0.5, c.Reward.Functions[1].Weight);
        Assert.Equal(1, (int)c.Reward.ToolRLSwitches!["CORRECTMAX1"]!);
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["reward"] = JsonNode.Parse("""{"functions":[{"weight":1}]}""")));
        Assert.Equal("$.reward.functions[0].name", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void InvalidJsonNamesLine()
    {
        var e = ConfigJson.Refuse("{\n \"algorithm\": \"grpo\",\n \"batch_size\": ,\n}");
        var error = Assert.Single(e.Errors);
        Assert.Contains("line 3", error.Problem);
    }

    [Fact]
    public void MissingFileIsRefusedWithFix()
    {
        var e = Assert.Throws<FileNotFoundException>(() => TrainingConfig.Load("no/such/config.json"));
        Assert.Contains("no/such/config.json", e.Message);
        Assert.Contains("Fix", e.Message);
    }

    [Fact]
    public void InCodeConfigurationsAreValidatedWithTheSameRules()
    {
        var c = TrainingConfig.Parse(ConfigJson.TinyGrpo);
        var e = Assert.Throws<ConfigurationException>(() => (c with { PpoMiniBatchSize = 3 }).Validated());
        Assert.Equal("$.ppo_mini_batch_size", Assert.Single(e.Errors).Path);
        Assert.Equal(16, (c with { BatchSize = 16, PpoMiniBatchSize = 8 }).Validated().ResponsesPerMiniBatch / 2);
    }
}

public class RewardSectionTests
{
    [Fact]
    public void ToolRLSwitchesAreParsedByTheRewardsArea()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => o["reward"] = JsonNode.Parse("""{"toolrl": {"CORRECTMAX1": 1, "WITHLENGTH": 0}}""")));
        Assert.True(c.Reward.ToolRLOptions.CorrectMax1);
        Assert.False(c.Reward.ToolRLOptions.WithLength);
        Assert.Equal(1, (int)c.Reward.OptionsFor(c.Reward.Functions[0])!["CORRECTMAX1"]!);
    }

    [Fact]
    public void UnknownSwitchIsRefusedAtItsPath()
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["reward"] = JsonNode.Parse("""{"toolrl": {"CORRECTMAX2": 1}}""")));
        var error = Assert.Single(e.Errors);
        Assert.Equal("$.reward.toolrl.CORRECTMAX2", error.Path);
        Assert.Equal("1", error.Value);
        Assert.Equal("unknown key", error.Problem);
        Assert.Contains("did you mean \"CORRECTMAX1\"", error.Fix);
    }

    [Fact]
    public void EverySwitchProblemIsReportedAtItsOwnPathWithItsFix()
    {
        // The ablation arms' switches: a wrong value and a misspelt name in one section, and a bad value in a
        // function's options, are three errors, each naming its own key, value and fix.
        var e = ConfigJson.Refuse(ConfigJson.With(o => o["reward"] = JsonNode.Parse(
            """{"functions": [{"name": "toolrl", "options": {"chatFormat": "gpt"}}], "toolrl": {"SCHEDULEREWARD": 2, "coarse_reward": 1, "WITHLENGTH": true}}""")));
        var errors = e.Errors.OrderBy(x => x.Path, StringComparer.Ordinal).ToArray();
        Assert.Equal(
            ["$.reward.functions[0].options.chatFormat", "$.reward.toolrl", "$.reward.toolrl.SCHEDULEREWARD", "$.reward.toolrl.coarse_reward"],
            errors.Select(x => x.Path));
        Assert.Equal("\"gpt\"", errors[0].Value);
        Assert.Contains("use \"qwen\" or \"llama3\"", errors[0].Problem);
        Assert.Contains("given twice", errors[1].Problem);
        Assert.Equal("2", errors[2].Value);
        Assert.Equal("a switch is 0 or 1 (or false/true)", errors[2].Problem);
        Assert.Equal("write \"SCHEDULEREWARD\": 1 to turn it on or 0 to leave it off", errors[2].Fix);
        Assert.Contains("did you mean \"coarseReward\"", errors[3].Fix);
        Assert.DoesNotContain("..", e.Message);
    }

    [Fact]
    public void AblationSwitchesReachTheRewardOptions()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => o["reward"] = JsonNode.Parse(
            """{"toolrl": {"COARSEREWARD": 1, "scheduleReward": true, "WITHLENGTH": 1, "SCHEDULELENGTH": 1, "MAX1STEP30MAX3": 0}}""")));
        var options = c.Reward.ToolRLOptions;
        Assert.Equal(
            ToolRLRewardOptions.Default with { CoarseReward = true, ScheduleReward = true, WithLength = true, ScheduleLength = true },
            options);
    }

    [Fact]
    public void CustomFunctionOptionsRoundTrip()
    {
        var c = TrainingConfig.Parse(ConfigJson.With(o => o["reward"] = JsonNode.Parse("""{"functions": [{"name": "toolrl"}, {"name": "thought_length", "weight": 0.5, "options": {"max_words": 200}}]}""")));
        var custom = c.Reward.Functions[1];
        Assert.Equal(200, (int)c.Reward.OptionsFor(custom)!["max_words"]!);
        Assert.Null(c.Reward.OptionsFor(c.Reward.Functions[0]));
        Assert.Equal(c.ToJsonString(), TrainingConfig.Parse(c.ToJsonString()).ToJsonString());
    }

    [Theory]
    [InlineData("ppo", null)]
    [InlineData("grpo", "rloo")]
    public void ArgumentCreditNeedsGroupRelativeOutcomeAdvantages(string algorithm, string? estimator)
    {
        var e = ConfigJson.Refuse(ConfigJson.With(o =>
        {
            o["algorithm"] = algorithm;
            o["argument_credit"] = true;
            if (estimator is not null)
            {
                o["adv_estimator"] = estimator;
            }
        }));
        var error = Assert.Single(e.Errors, x => x.Path == "$.argument_credit");
        Assert.Contains("adv_estimator", error.Problem);
        Assert.Contains("\"grpo\"", error.Fix);
    }

    [Fact]
    public void ArgumentCreditRoundTripsAndDefaultsOff()
    {
        Assert.False(TrainingConfig.Parse(ConfigJson.TinyGrpo).ArgumentCredit);
        var on = TrainingConfig.Parse(ConfigJson.With(o => { o["argument_credit"] = true; o["adv_estimator"] = "dr_grpo"; }));
        Assert.True(on.ArgumentCredit);
        Assert.True(TrainingConfig.Parse(on.ToJsonString()).ArgumentCredit);
    }
}
