using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>Writes the resolved configuration with every key (defaults filled in), in the documented key order.</summary>
internal static class TrainingConfigWriter
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonObject Write(TrainingConfig c)
    {
        var o = new JsonObject
        {
            ["algorithm"] = ConfigEnumNames.Algorithm.Name(c.Algorithm),
            ["seed"] = c.Seed,
            ["device"] = c.Device,
            ["dtype"] = ConfigEnumNames.DType.Name(c.DType),
            ["batch_size"] = c.BatchSize,
            ["epochs"] = c.Epochs,
            ["n"] = c.N,
            ["max_prompt_length"] = c.MaxPromptLength,
            ["max_response_length"] = c.MaxResponseLength,
            ["actor_lr"] = c.ActorLr,
            ["critic_lr"] = c.CriticLr,
            ["weight_decay"] = c.WeightDecay,
            ["max_grad_norm"] = c.MaxGradNorm,
            ["lr_scheduler"] = c.LrScheduler.ToJson(),
            ["ppo_mini_batch_size"] = c.PpoMiniBatchSize,
            ["ppo_micro_batch_size"] = c.PpoMicroBatchSize,
            ["use_dynamic_bsz"] = c.UseDynamicBsz,
            ["ppo_max_token_len_per_gpu"] = c.PpoMaxTokenLenPerGpu,
            ["ppo_epochs"] = c.PpoEpochs,
            ["ppo_clip_range"] = c.PpoClipRange,
            ["clip_ratio_low"] = c.ClipRatioLow,
            ["clip_ratio_high"] = c.ClipRatioHigh,
            ["clip_ratio_c"] = c.ClipRatioC,
            ["loss_agg_mode"] = ConfigEnumNames.LossAgg.Name(c.LossAggMode),
        };
        if (c.RatioThreshold is { } ratioThreshold)
        {
            o["ratio_threshold"] = ratioThreshold;
        }
        if (c.LossScaleFactor is { } scale)
        {
            o["loss_scale_factor"] = scale;
        }
        o["adv_estimator"] = c.EffectiveAdvEstimator;
        o["policy_loss"] = c.PolicyLoss;
        o["normalize_advantages"] = c.NormalizeAdvantages;
        o["norm_adv_by_std_in_grpo"] = c.NormAdvByStdInGrpo;
        o["argument_credit"] = c.ArgumentCredit;
        o["entropy_coeff"] = c.EntropyCoeff;
        o["kl_coef"] = c.KlCoef;
        o["use_kl_in_reward"] = c.UseKlInReward;
        o["kl_penalty"] = ConfigEnumNames.Kl.Name(c.KlPenalty);
        o["use_kl_loss"] = c.UseKlLoss;
        o["kl_loss_type"] = ConfigEnumNames.Kl.Name(c.KlLossType);
        o["kl_ctrl"] = c.KlCtrl.ToJson(c.KlCoef);
        o["gamma"] = c.Gamma;
        o["lam"] = c.Lam;
        o["cliprange_value"] = c.CliprangeValue;
        o["critic_warmup"] = c.CriticWarmup;
        o["sampling"] = c.Sampling.ToJson();
        o["model"] = c.Model.ToJson();
        o["tokenizer"] = c.Tokenizer.ToJson();
        if ((c.Environment is null && c.StepTool is null) || c.Data.Synthetic is not null || c.Data.TrainFiles.Count > 0)
        {
            o["data"] = c.Data.ToJson();   // an environment run without data files has no data section
        }
        if (c.Sft is not null)
        {
            o["sft"] = c.Sft.ToJson();
        }
        if (c.Rft is not null)
        {
            o["rft"] = c.Rft.ToJson();
        }
        if (c.Environment is not null)
        {
            o["environment"] = c.Environment.ToJson();
        }
        if (c.StepTool is not null)
        {
            o["steptool"] = c.StepTool.ToJson();
        }
        o["reward"] = c.Reward.ToJson();
        o["trainer"] = c.Trainer.ToJson();
        return o;
    }
}
