using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace ToolRL.Configuration.Planning;

/// <summary>Renders a <see cref="TrainingPlan"/> as plain text or JSON (what <c>toolrl plan</c> prints).</summary>
public static class PlanFormatter
{
    /// <summary>A plain-text report: run shape, steps, samples per step, memory per device, notes.</summary>
    public static string ToText(TrainingPlan plan)
    {
        var c = plan.Config;
        var text = new StringBuilder();
        void Line(string label, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"  {label,-38} {value}");
        static string Known(long? value) => value is { } v ? v.ToString("N0", CultureInfo.InvariantCulture) : "unknown";

        text.AppendLine(CultureInfo.InvariantCulture, $"Plan for {ConfigEnumNames.Algorithm.Name(c.Algorithm)} run \"{c.Trainer.ExperimentName}\" on {plan.Devices} × {c.Device} ({ConfigEnumNames.DType.Name(c.DType)})");
        text.AppendLine("Model");
        if (plan.Model is { } m)
        {
            Line("source", plan.ModelSource);
            Line("parameters", $"{m.Parameters.ToString("N0", CultureInfo.InvariantCulture)} ({m.NumHiddenLayers} layers, hidden {m.HiddenSize}, {m.NumAttentionHeads} heads / {m.NumKeyValueHeads} KV, intermediate {m.IntermediateSize}, vocab {m.VocabSize})");
            if (c.Model.Lora is { } lora)
            {
                var adapters = m.LoraParameters(lora);
                Line("trainable (LoRA adapters)", $"{adapters.ToString("N0", CultureInfo.InvariantCulture)} ({100.0 * adapters / m.Parameters:0.00} %; r {lora.R}, alpha {lora.Alpha.ToString(CultureInfo.InvariantCulture)}, {string.Join(", ", lora.TargetModules)})");
            }
        }
        else
        {
            Line("source", $"{plan.ModelSource} (not readable)");
        }
        text.AppendLine("Steps");
        Line("training rows", Known(plan.TrainRows));
        Line("steps per epoch", Known(plan.StepsPerEpoch));
        Line("epochs", (c.Algorithm == AlgorithmKind.Sft ? c.Sft!.Epochs : c.Epochs).ToString(CultureInfo.InvariantCulture));
        Line("total training steps", Known(plan.TotalSteps) + (c.Trainer.TotalTrainingSteps is null ? "" : " (trainer.total_training_steps)"));
        if (c.Algorithm != AlgorithmKind.Sft && c.Sft is not null)
        {
            Line("SFT warm-start optimizer steps", Known(plan.SftSteps));
        }
        text.AppendLine("Samples per step");
        Line("prompts", Known(plan.PromptsPerStep));
        Line("responses", Known(plan.ResponsesPerStep) + (c.Algorithm == AlgorithmKind.Sft ? "" : $" (n = {c.N})"));
        Line("optimizer steps per training step", Known(plan.OptimizerStepsPerStep));
        Line("micro-batches per optimizer step", plan.GradientAccumulation is { } g ? g.ToString(CultureInfo.InvariantCulture) : $"dynamic (≤ {c.PpoMaxTokenLenPerGpu:N0} tokens each)");
        Line("max tokens per step", Known(plan.MaxTokensPerStep));
        if (plan.Memory is { } memory)
        {
            text.AppendLine("Memory per device (estimate)");
            foreach (var item in memory.Items)
            {
                Line($"{item.Category}: {item.Component}", $"{MemoryEstimate.Format(item.Bytes),12}   {item.Basis}");
            }
            foreach (var (category, bytes) in memory.ByCategory)
            {
                Line($"total {category}", MemoryEstimate.Format(bytes));
            }
            Line("peak (state + max(activations, KV))", MemoryEstimate.Format(memory.PeakBytes));
            Line("fits one 80 GiB device", memory.PeakBytes <= MemoryEstimate.Device80GiB
                ? $"yes ({MemoryEstimate.Format(MemoryEstimate.Device80GiB - memory.PeakBytes)} to spare)"
                : $"no ({MemoryEstimate.Format(memory.PeakBytes - MemoryEstimate.Device80GiB)} over: add devices (--devices), LoRA (model.lora), gradient checkpointing or a smaller --generation-batch)");
        }
        if (plan.Notes.Count > 0)
        {
            text.AppendLine("Notes");
            foreach (var note in plan.Notes)
            {
                text.AppendLine("  - " + note);
            }
        }
        return text.ToString();
    }

    /// <summary>The plan as JSON (resolved config included), for scripts.</summary>
    public static JsonObject ToJson(TrainingPlan plan)
    {
        var o = new JsonObject
        {
            ["model_source"] = plan.ModelSource,
            ["parameters"] = plan.Model?.Parameters,
            ["trainable_parameters"] = plan.Model is { } shape && plan.Config.Model.Lora is { } l ? shape.LoraParameters(l) : plan.Model?.Parameters,
            ["train_rows"] = plan.TrainRows,
            ["steps_per_epoch"] = plan.StepsPerEpoch,
            ["total_steps"] = plan.TotalSteps,
            ["sft_steps"] = plan.SftSteps,
            ["prompts_per_step"] = plan.PromptsPerStep,
            ["responses_per_step"] = plan.ResponsesPerStep,
            ["optimizer_steps_per_step"] = plan.OptimizerStepsPerStep,
            ["gradient_accumulation"] = plan.GradientAccumulation,
            ["max_tokens_per_step"] = plan.MaxTokensPerStep,
            ["devices"] = plan.Devices,
        };
        if (plan.Memory is { } memory)
        {
            var items = new JsonArray();
            foreach (var item in memory.Items)
            {
                items.Add(new JsonObject { ["category"] = item.Category, ["component"] = item.Component, ["bytes"] = item.Bytes, ["basis"] = item.Basis });
            }
            o["memory"] = new JsonObject { ["items"] = items, ["peak_bytes"] = memory.PeakBytes, ["fits_80gib"] = memory.PeakBytes <= MemoryEstimate.Device80GiB };
        }
        o["notes"] = new JsonArray(plan.Notes.Select(n => (JsonNode)n).ToArray());
        o["config"] = plan.Config.ToJson();
        return o;
    }
}
