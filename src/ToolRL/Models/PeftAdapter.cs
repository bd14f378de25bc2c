using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolRL.Torch;
using ToolRL.Torch.IO;

namespace ToolRL.Models;

/// <summary>
/// A PEFT LoRA adapter folder: <c>adapter_config.json</c> (PEFT's <c>LoraConfig</c> fields) and
/// <c>adapter_model.safetensors</c> with PEFT's tensor names, <c>base_model.model.</c> + the base model's state-dict
/// name with <c>lora_A</c>/<c>lora_B</c> (e.g. <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>), so
/// <c>peft</c> and vLLM's LoRA loader read ours and we read theirs.
/// </summary>
internal static class PeftAdapter
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before the base model's state-dict names.</summary>
    public const string NamePrefix = "base_model.model.";

    /// <summary>A folder's adapter: its config, PEFT task type, base model and tensors under base-model state-dict names (prefix stripped).</summary>
    public sealed record Contents(LoraConfig Config, string TaskType, string? BaseModel, IReadOnlyList<string> ModulesToSave, IReadOnlyDictionary<string, Tensor> Tensors);

    /// <summary>True when <paramref name="directory"/> holds an adapter_config.json.</summary>
    public static bool IsAdapterFolder(string directory) => File.Exists(Path.Combine(directory, ConfigFileName));

    /// <summary>Writes adapter_config.json and adapter_model.safetensors (tensor names without the PEFT prefix; it is added here).</summary>
    public static void Save(string directory, LoraConfig config, string taskType, string? baseModel, IReadOnlyList<string> modulesToSave,
        IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        Directory.CreateDirectory(directory);
        var named = tensors.ToDictionary(t => NamePrefix + t.Name, t => t.Tensor, StringComparer.Ordinal);
        Safetensors.Save(Path.Combine(directory, WeightsFileName), named, new Dictionary<string, string> { ["format"] = "pt" });   // atomic
        AtomicFile.WriteAllText(Path.Combine(directory, ConfigFileName), ConfigJson(config, taskType, baseModel, modulesToSave));
    }

    /// <summary>PEFT's adapter_config.json for <paramref name="config"/> (the fields PEFT 0.13 writes, at their defaults where we have no counterpart).</summary>
    public static string ConfigJson(LoraConfig config, string taskType, string? baseModel, IReadOnlyList<string> modulesToSave)
    {
        var o = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = baseModel,
            ["bias"] = config.Bias,
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layer_replication"] = null,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["loftq_config"] = new JsonObject(),
            ["lora_alpha"] = config.Alpha == Math.Floor(config.Alpha) ? JsonValue.Create((long)config.Alpha) : JsonValue.Create(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core",
            ["modules_to_save"] = modulesToSave.Count == 0 ? null : new JsonArray(modulesToSave.Select(m => (JsonNode?)m).ToArray()),
            ["peft_type"] = "LORA",
            ["r"] = config.R,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = new JsonArray(config.TargetModules.Order(StringComparer.Ordinal).Select(m => (JsonNode?)m).ToArray()),
            ["task_type"] = taskType,
            ["use_dora"] = false,
            ["use_rslora"] = config.UseRslora,
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Reads an adapter folder, refusing what this implementation would not compute as PEFT does (DoRA, per-layer ranks, …).</summary>
    public static Contents Load(string directory, DType dtype, Device device)
    {
        var configPath = Path.Combine(directory, ConfigFileName);
        var weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(configPath))
        {
            throw new ModelConfigException($"{directory}: no {ConfigFileName}; fix: pass the folder a LoRA run or PEFT's save_pretrained wrote (it holds {ConfigFileName} and {WeightsFileName}).");
        }
        if (!File.Exists(weightsPath))
        {
            throw new ModelConfigException($"{directory}: no {WeightsFileName}; fix: copy the adapter's safetensors weights beside {ConfigFileName} (PyTorch adapter_model.bin files are not read).");
        }
        var (config, taskType, baseModel, modulesToSave) = ParseConfig(File.ReadAllText(configPath), configPath);
        var raw = Safetensors.Load(weightsPath, device, dtype);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in raw)
        {
            if (!name.StartsWith(NamePrefix, StringComparison.Ordinal))
            {
                throw new ModelConfigException($"{weightsPath}: tensor '{name}' does not start with PEFT's '{NamePrefix}'; fix: save the adapter with peft's save_pretrained or `toolrl` (names like {NamePrefix}model.layers.0.self_attn.q_proj.lora_A.weight).");
            }
            // PEFT strips the adapter name ("default") on save; an unstripped one is accepted too.
            tensors[name[NamePrefix.Length..].Replace(".lora_A.default.", ".lora_A.", StringComparison.Ordinal)
                .Replace(".lora_B.default.", ".lora_B.", StringComparison.Ordinal)] = tensor;
        }
        return new Contents(config, taskType, baseModel, modulesToSave, tensors);
    }

    /// <summary>Parses adapter_config.json into a <see cref="LoraConfig"/>; every refusal names the field, the value and the fix.</summary>
    public static (LoraConfig Config, string TaskType, string? BaseModel, IReadOnlyList<string> ModulesToSave) ParseConfig(string json, string source)
    {
        var f = JsonFields.Parse(json, source);
        var peftType = f.GetString("peft_type");
        if (peftType != "LORA")
        {
            throw f.Error("peft_type", Quote(peftType), "is not \"LORA\"", "load a LoRA adapter (other PEFT methods are not supported)");
        }
        if (f.GetBool("use_dora", false))
        {
            throw f.Error("use_dora", "true", "is not supported", "train the adapter without DoRA, or merge it in Python and load the merged model");
        }
        if (f.GetBool("fan_in_fan_out", false))
        {
            throw f.Error("fan_in_fan_out", "true", "is not supported (Qwen2's linear layers are stored [out, in])", "save the adapter with fan_in_fan_out false");
        }
        foreach (var field in new[] { "rank_pattern", "alpha_pattern" })
        {
            if (f.Raw(field) is JsonObject { Count: > 0 } pattern)
            {
                throw f.Error(field, pattern.ToJsonString(), "(per-layer ranks or alphas) is not supported", "train the adapter with one r and lora_alpha for every layer");
            }
        }
        if (f.Raw("layers_to_transform") is JsonNode layers)
        {
            throw f.Error("layers_to_transform", layers.ToJsonString(), "is not supported", "adapt every layer (layers_to_transform null)");
        }
        var config = new LoraConfig
        {
            R = (int)f.GetLong("r", 8),
            Alpha = f.GetDouble("lora_alpha", 8),
            Dropout = f.GetDouble("lora_dropout", 0),
            TargetModules = TargetModules(f),
            UseRslora = f.GetBool("use_rslora", false),
            Bias = f.GetString("bias") ?? "none",
        };
        var problems = config.Problems();
        if (problems.Count > 0)
        {
            throw new ModelConfigException(string.Join("\n", problems.Select(p => $"{source}: field '{p.Field}': {p.Problem}; fix: {p.Fix}.")));
        }
        var modulesToSave = f.Raw("modules_to_save") is JsonArray save ? save.Select(n => n?.GetValue<string>() ?? "").ToList() : [];
        return (config, f.GetString("task_type") ?? "CAUSAL_LM", f.GetString("base_model_name_or_path"), modulesToSave);
    }

    // PEFT accepts a list of module names (matched as name suffixes), "all-linear", or one regex matched against the full module path.
    private static IReadOnlyList<string> TargetModules(JsonFields f)
    {
        var node = f.Raw("target_modules");
        if (node is JsonArray array)
        {
            return array.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToJsonString() ?? "null").Distinct().ToList();
        }
        var text = f.GetString("target_modules");
        if (text is null || text == LoraConfig.AllLinear)
        {
            return LoraConfig.LinearModules;
        }
        var regex = new Regex($"^(?:{text})$", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var matched = LoraConfig.LinearModules.Where(m => regex.IsMatch($"model.layers.0.self_attn.{m}") || regex.IsMatch($"model.layers.0.mlp.{m}")).ToList();
        if (matched.Count == 0)
        {
            throw f.Error("target_modules", Quote(text), "matches no Qwen2 linear layer", $"list module names from {string.Join(", ", LoraConfig.LinearModules)}");
        }
        return matched;
    }

    private static string Quote(string? text) => text is null ? "null" : $"\"{text}\"";
}
