using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Configuration.Planning;

/// <summary>
/// Plans a run from its configuration: step counts, samples per step and memory per device, reading only the
/// model's config.json and counting data rows (never loading weights).
/// </summary>
public static class TrainingPlanner
{
    /// <summary>Builds the plan; anything that cannot be determined is left null and explained in the notes.</summary>
    public static TrainingPlan Plan(TrainingConfig config, PlanOptions? options = null)
    {
        options ??= new PlanOptions();
        if (options.Devices < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Devices, "devices must be at least 1.");
        }
        var notes = new List<string>();
        var (model, modelSource) = ResolveModel(config, options, notes);
        var rows = options.TrainRows ?? CountRows(config, notes);

        var isSft = config.Algorithm == AlgorithmKind.Sft;
        var promptsPerStep = isSft ? config.Sft!.BatchSize : config.BatchSize;
        long? stepsPerEpoch = rows is { } r ? r / promptsPerStep : null;
        var epochs = isSft ? config.Sft!.Epochs : config.Epochs;
        long? totalSteps = config.Trainer.TotalTrainingSteps ?? stepsPerEpoch * epochs;
        if (stepsPerEpoch == 0)
        {
            notes.Add($"only {rows} training rows for batches of {promptsPerStep}: no complete step; lower the batch size or add data");
        }
        long? sftSteps = null;
        if (!isSft && config.Sft is { } warm)
        {
            var sftRows = warm.TrainFiles.Count == 0 ? rows : CountFiles(warm.TrainFiles, "sft.train_files", notes);
            sftSteps = sftRows / warm.BatchSize * warm.Epochs;
        }
        else if (isSft)
        {
            sftSteps = totalSteps;
        }

        var responses = isSft ? promptsPerStep : (long)config.ResponsesPerStep;
        var generationBatch = options.GenerationBatch ?? (responses + options.Devices - 1) / options.Devices;
        if (options.GenerationBatch is null && !isSft)
        {
            notes.Add($"KV cache sized for all {generationBatch:N0} responses of a step generated at once on each device; use --generation-batch to size smaller rollout batches");
        }
        if (options.Devices > 1)
        {
            notes.Add($"{options.Devices} devices, data-parallel (toolrl train --nproc-per-node): weights, gradients and optimizer state replicated on each, plus a float64 gradient sum; each device generates 1/{options.Devices} of the responses{(options.ShardOptimizer ? "; the policy's AdamW state sharded (ZeRO-1)" : "")}");
        }
        if (config.DType != ComputeDType.Float32)
        {
            notes.Add($"weights, gradients and AdamW state in {ConfigEnumNames.DType.Name(config.DType)} as dtype says (no float32 master copy); log-probs and the loss are computed in float32");
        }
        notes.Add("estimates from shapes only; allocator overhead, temporary buffers and the CUDA context (~0.5-1 GiB) come on top");
        return new TrainingPlan
        {
            Config = config,
            Model = model,
            ModelSource = modelSource,
            TrainRows = rows,
            StepsPerEpoch = stepsPerEpoch,
            TotalSteps = totalSteps,
            SftSteps = sftSteps,
            PromptsPerStep = promptsPerStep,
            ResponsesPerStep = responses,
            OptimizerStepsPerStep = isSft ? 1 : config.OptimizerStepsPerTrainingStep,
            GradientAccumulation = isSft ? config.Sft!.BatchSize / config.Sft.MicroBatchSize : config.UseDynamicBsz ? null : config.GradientAccumulationSteps,
            MaxTokensPerStep = responses * ((long)config.MaxPromptLength + config.MaxResponseLength),
            Memory = model is null ? null : MemoryModel.Estimate(config, model, options.Devices, generationBatch, options.ShardOptimizer),
            Devices = options.Devices,
            Notes = notes,
        };
    }

    private static (ModelShape? Model, string Source) ResolveModel(TrainingConfig config, PlanOptions options, List<string> notes)
    {
        var folder = options.BaseModel ?? config.Model.BaseModel;
        if (folder is not null)
        {
            var path = Path.Combine(folder, "config.json");
            if (!File.Exists(path))
            {
                notes.Add($"model config {path} not found: memory not estimated. Download the model there or pass --base-model <folder holding config.json>");
                return (null, path);
            }
            return (ModelShape.FromConfigJson(path), path);
        }
        var tiny = config.Model.Tiny!;
        var vocab = tiny.VocabSize ?? config.Tokenizer.TrainBpe?.VocabSize ?? TokenizerVocabSize(config.Tokenizer.Path, notes);
        return vocab is { } v ? (ModelShape.FromTiny(tiny, v), "model.tiny") : (null, "model.tiny");
    }

    private static long? TokenizerVocabSize(string? folder, List<string> notes)
    {
        var path = folder is null ? null : Path.Combine(folder, "tokenizer.json");
        if (path is null || !File.Exists(path))
        {
            notes.Add("vocabulary size unknown (no tokenizer.json): set model.tiny.vocab_size");
            return null;
        }
        using var stream = File.OpenRead(path);
        var root = JsonNode.Parse(stream) as JsonObject;
        var vocab = (root?["model"]?["vocab"] as JsonObject)?.Count ?? 0;
        var added = (root?["added_tokens"] as JsonArray)?.Count ?? 0;
        return vocab + added;
    }

    private static long? CountRows(TrainingConfig config, List<string> notes)
    {
        if (config.Data.Synthetic is { } synthetic)
        {
            return synthetic.TrainCount;
        }
        return CountFiles(config.Data.TrainFiles, "data.train_files", notes);
    }

    private static long? CountFiles(IReadOnlyList<string> files, string key, List<string> notes)
    {
        long total = 0;
        foreach (var file in files)
        {
            var count = RowCounter.Count(file, out var problem);
            if (count is null)
            {
                notes.Add($"{key}: {problem}; steps not computed (pass --train-rows N)");
                return null;
            }
            total += count.Value;
        }
        return total;
    }
}

/// <summary>Counts data rows without converting them (jsonl lines, json array items, the parquet footer's row count).</summary>
internal static class RowCounter
{
    public static long? Count(string path, out string? problem)
    {
        problem = null;
        if (!File.Exists(path))
        {
            problem = $"{path} not found";
            return null;
        }
        var extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".jsonl" or ".ndjson":
                return File.ReadLines(path).LongCount(line => !string.IsNullOrWhiteSpace(line));
            case ".json":
                using (var stream = File.OpenRead(path))
                {
                    try
                    {
                        using var document = JsonDocument.Parse(stream);
                        if (document.RootElement.ValueKind == JsonValueKind.Array)
                        {
                            return document.RootElement.GetArrayLength();
                        }
                    }
                    catch (JsonException e)
                    {
                        problem = $"{path} is not valid JSON ({e.Message})";
                        return null;
                    }
                }
                problem = $"{path} is not a JSON array of rows";
                return null;
            case ".parquet":
                try
                {
                    using var reader = ToolRL.Data.ParquetReader.Open(path);
                    return reader.RowCount;
                }
                catch (ToolRL.Data.Parquet.ParquetFormatException e)
                {
                    problem = $"{path} is not a readable parquet file ({e.Message})";
                    return null;
                }
            default:
                problem = $"cannot count rows of {path} (supported: .jsonl, .ndjson, .json, .parquet)";
                return null;
        }
    }
}
