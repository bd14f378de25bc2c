using ToolRL.Algorithms;

namespace ToolRL.Configuration;

/// <summary>
/// Rules that involve several fields (batch divisibility, group size, KL placement, model/tokenizer/data
/// sources), and resolution of defaults that depend on other fields. Runs only when every field parsed.
/// </summary>
internal static class CrossFieldChecks
{
    public static TrainingConfig Apply(TrainingConfig c, ConfigErrorList errors)
    {
        void Error(string path, object? value, string problem, string fix) =>
            errors.Add(path, value is double x ? JsonSection.Format(x) : value?.ToString(), problem, fix);

        if ((c.Rft is not null || c.Algorithm == AlgorithmKind.Rft) && c.Environment is null)
        {
            Error("$.rft", null, "rejection-sampling fine-tuning samples in an environment", "add an \"environment\" section (e.g. { \"name\": \"retail\" }) or remove rft");
        }
        c.StepTool?.Check(c, Error);
        if (c.Algorithm == AlgorithmKind.Rft && c.Rft is null)
        {
            Error("$.rft", null, "algorithm rft needs an rft section", "add \"rft\": { \"rounds\": 1, \"samples_per_task\": 4, \"lr\": 1e-5 }");
        }
        if (c.Algorithm == AlgorithmKind.Sft)
        {
            if (c.Sft is null)
            {
                Error("$.sft", null, "algorithm sft needs an sft section", "add \"sft\": { \"epochs\": 1, \"lr\": 1e-5, \"batch_size\": 16 }");
            }
        }
        else if (c.Algorithm != AlgorithmKind.Rft)   // rft stops before RL: its batches are the rft section's
        {
            CheckRlBatches(c, Error);
            CheckKl(c, Error);
            CheckEstimator(c, Error);
        }

        if (c.Model.Tiny is { } tiny)
        {
            if (c.MaxPromptLength + c.MaxResponseLength > tiny.MaxPositionEmbeddings)
            {
                Error("$.model.tiny.max_position_embeddings", tiny.MaxPositionEmbeddings,
                    $"shorter than max_prompt_length + max_response_length = {c.MaxPromptLength + c.MaxResponseLength}",
                    "raise max_position_embeddings or lower the prompt/response lengths");
            }
            if (c.Tokenizer.Path is null && c.Tokenizer.TrainBpe is null)
            {
                Error("$.tokenizer", null, "a tiny model has no tokenizer of its own",
                    "add \"tokenizer\": { \"train_bpe\": { \"vocab_size\": 1024 } } or { \"path\": \"<tokenizer folder>\" }");
            }
        }
        if (c.Data.Synthetic is { } synthetic && c.Algorithm != AlgorithmKind.Sft && synthetic.TrainCount < c.BatchSize)
        {
            Error("$.data.synthetic.train_count", synthetic.TrainCount, $"fewer prompts than one batch (batch_size {c.BatchSize}; incomplete batches are dropped)",
                "raise train_count or lower batch_size");
        }
        if (c.Trainer.TestFreq > 0 && !c.Data.HasValidation && c.Environment is null)   // an environment validates on its held-out tasks
        {
            Error("$.trainer.test_freq", c.Trainer.TestFreq, "validation is scheduled but there is no validation data",
                "add data.val_files (or synthetic val_count > 0), or set trainer.test_freq to -1 and val_before_train to false");
        }

        // Resolution: the tokenizer of a downloaded model is in its folder.
        if (c.Tokenizer.Path is null && c.Tokenizer.TrainBpe is null && c.Model.BaseModel is { } baseModel)
        {
            c = c with { Tokenizer = c.Tokenizer with { Path = baseModel } };
        }
        return c;
    }

    private static void CheckRlBatches(TrainingConfig c, Action<string, object?, string, string> error)
    {
        if (c.BatchSize % c.PpoMiniBatchSize != 0)
        {
            error("$.ppo_mini_batch_size", c.PpoMiniBatchSize, $"does not divide batch_size {c.BatchSize} (both count prompts)",
                $"choose a ppo_mini_batch_size dividing batch_size, e.g. {LargestDivisorAtMost(c.BatchSize, c.PpoMiniBatchSize)}");
        }
        else if (!c.UseDynamicBsz && c.ResponsesPerMiniBatch % c.PpoMicroBatchSize != 0)
        {
            error("$.ppo_micro_batch_size", c.PpoMicroBatchSize,
                $"does not divide the responses per mini-batch, ppo_mini_batch_size × n = {c.ResponsesPerMiniBatch}",
                $"choose a ppo_micro_batch_size dividing {c.ResponsesPerMiniBatch}, e.g. {LargestDivisorAtMost(c.ResponsesPerMiniBatch, c.PpoMicroBatchSize)}");
        }
        if (c.Algorithm == AlgorithmKind.Grpo && c.N < 2)
        {
            error("$.n", c.N, "GRPO needs groups of at least 2 responses (a group of one has zero advantage)",
                "set n to e.g. 4 (ToolRL), or use algorithm ppo for one response per prompt");
        }
        if (c.UseDynamicBsz && c.PpoMaxTokenLenPerGpu < c.MaxPromptLength + c.MaxResponseLength)
        {
            error("$.ppo_max_token_len_per_gpu", c.PpoMaxTokenLenPerGpu,
                $"smaller than one full sequence (max_prompt_length + max_response_length = {c.MaxPromptLength + c.MaxResponseLength})",
                "raise ppo_max_token_len_per_gpu to at least one sequence, e.g. 16384");
        }
        if (c.ClipRatioLow >= 1)
        {
            error("$.clip_ratio_low", c.ClipRatioLow, "must be below 1 (the ratio's lower bound 1 − ε must stay positive)", "set clip_ratio_low to e.g. 0.2");
        }
        if (c.Algorithm == AlgorithmKind.Ppo && c.CriticWarmup > 0 && c.Trainer.TotalTrainingSteps is { } total && c.CriticWarmup > total)
        {
            error("$.critic_warmup", c.CriticWarmup, $"longer than the run (total_training_steps {total}): the actor would never be updated",
                "lower critic_warmup below total_training_steps");
        }
    }

    private static void CheckKl(TrainingConfig c, Action<string, object?, string, string> error)
    {
        if (c.UseKlInReward && c.UseKlLoss)
        {
            error("$.use_kl_loss", true, "KL in the reward and KL as a loss are both on (verl advises against combining them)",
                "set use_kl_loss to false (ToolRL puts the KL in the reward) or use_kl_in_reward to false");
        }
        if (c.KlCtrl.Type == KlControllerType.Adaptive && !c.UseKlInReward)
        {
            error("$.kl_ctrl.type", "adaptive", "the adaptive controller only drives the KL in the reward, which is off",
                "set use_kl_in_reward to true or kl_ctrl.type to \"fixed\"");
        }
    }

    private static int LargestDivisorAtMost(int total, int limit)
    {
        for (var d = Math.Min(total, limit); d > 1; d--)
        {
            if (total % d == 0)
            {
                return d;
            }
        }
        return 1;
    }

    // PPO trains a critic for an estimator that reads values (gae); the critic-free trainer takes the others.
    private static void CheckEstimator(TrainingConfig c, Action<string, object?, string, string> error)
    {
        var needsValues = AdvantageEstimators.Default.Get(c.EffectiveAdvEstimator).NeedsValues;
        if (c.Algorithm == AlgorithmKind.Ppo && !needsValues)
        {
            error("$.adv_estimator", c.EffectiveAdvEstimator, "algorithm ppo trains a critic, but this estimator does not read its values",
                "use algorithm \"grpo\" (no critic) with this estimator, or adv_estimator \"gae\" with ppo");
        }
        if (c.Algorithm == AlgorithmKind.Grpo && needsValues)
        {
            error("$.adv_estimator", c.EffectiveAdvEstimator, "this estimator reads critic values, and algorithm grpo trains no critic",
                "use algorithm \"ppo\" for gae, or a critic-free estimator (grpo, dr_grpo, rloo, reinforce_plus_plus, reinforce_plus_plus_baseline)");
        }
        if (c.ArgumentCredit && (c.Algorithm != AlgorithmKind.Grpo || c.EffectiveAdvEstimator is not (AdvantageEstimators.Grpo or AdvantageEstimators.DrGrpo)))
        {
            error("$.argument_credit", "true", $"argument-level credit replaces group-relative outcome advantages, and algorithm {ConfigEnumNames.Algorithm.Name(c.Algorithm)} with adv_estimator {c.EffectiveAdvEstimator} has none",
                "use algorithm \"grpo\" with adv_estimator \"grpo\" or \"dr_grpo\", or remove argument_credit");
        }
        if (c.ArgumentCredit && c.Environment is not null)
        {
            error("$.argument_credit", "true", "argument-level credit reads one generated tool-call block against the row's ground truth; agent rollouts in an environment have neither",
                "remove argument_credit (agent runs credit turns with adv_estimator turn_reward_to_go or steptool)");
        }
    }
}
