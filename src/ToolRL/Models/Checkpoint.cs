using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch;
using ToolRL.Torch.IO;

namespace ToolRL.Models;

/// <summary>
/// Hugging Face checkpoint folders: reading weights (single <c>model.safetensors</c> or shards listed in
/// <c>model.safetensors.index.json</c>; BF16/F16/F32 stored, converted to the compute dtype) and writing them
/// back in the same layout (sharded above a size limit, every file written to a temporary name and renamed).
/// </summary>
internal static class Checkpoint
{
    /// <summary>Files a model folder may carry besides config and weights, copied on save so the folder stays usable.</summary>
    public static readonly string[] CompanionFiles =
    [
        "generation_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt",
        "special_tokens_map.json", "added_tokens.json", "chat_template.jinja",
    ];

    /// <summary>Loads every weight of <paramref name="directory"/> on <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    public static IReadOnlyDictionary<string, Tensor> LoadWeights(string directory, DType dtype, Device device)
    {
        var single = Path.Combine(directory, Safetensors.SingleFileName);
        var index = Path.Combine(directory, Safetensors.IndexFileName);
        if (!File.Exists(single) && !File.Exists(index))
        {
            throw new ModelConfigException(
                $"{directory}: no weights (neither {Safetensors.SingleFileName} nor {Safetensors.IndexFileName}); " +
                "fix: download the model's safetensors files into this folder (PyTorch .bin checkpoints are not read).");
        }
        return Safetensors.LoadCheckpoint(directory, device, dtype);
    }

    /// <summary>
    /// Saves a model's parameters (converted to <paramref name="dtype"/>; LoRA adapters merged into the weights) with its config, whose <c>torch_dtype</c> and
    /// <c>architectures</c> (plus <paramref name="extraConfig"/>) are set for the saved layout.
    /// </summary>
    public static void SaveModel(ToolRL.Torch.NN.Module model, Qwen2Model decoder, Qwen2Config config, string architecture, string directory, DType dtype,
        long maxShardBytes, string? companionSource, IReadOnlyDictionary<string, JsonNode?>? extraConfig = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        var tensors = Qwen2Model.HuggingFaceTensors(model, decoder, "model.").Select(p => (p.Name, p.Tensor.DType == dtype ? p.Tensor : p.Tensor.To(dtype))).ToList();
        var overrides = new Dictionary<string, JsonNode?>
        {
            ["torch_dtype"] = ModelDTypes.HfName(dtype),
            ["architectures"] = new JsonArray(architecture),
        };
        foreach (var (key, value) in extraConfig ?? new Dictionary<string, JsonNode?>())
        {
            overrides[key] = value;
        }
        Save(directory, tensors, config.ToJson(overrides), maxShardBytes, companionSource);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> and <paramref name="configJson"/> to <paramref name="directory"/> in Hugging Face
    /// layout: one <c>model.safetensors</c>, or shards of at most <paramref name="maxShardBytes"/> with an index.
    /// Stale weight files of a previous save in another layout are removed after the new ones are in place.
    /// </summary>
    public static void Save(string directory, IReadOnlyList<(string Name, Tensor Tensor)> tensors, string configJson, long maxShardBytes,
        string? companionSource)
    {
        Directory.CreateDirectory(directory);
        var shards = Partition(tensors, maxShardBytes);
        var written = new List<string>();
        if (shards.Count == 1)
        {
            Safetensors.Save(Path.Combine(directory, Safetensors.SingleFileName), ToMap(shards[0]), PtMetadata);
            written.Add(Safetensors.SingleFileName);
        }
        else
        {
            var weightMap = new JsonObject();
            long total = 0;
            for (var i = 0; i < shards.Count; i++)
            {
                var name = string.Format(CultureInfo.InvariantCulture, "model-{0:D5}-of-{1:D5}.safetensors", i + 1, shards.Count);
                Safetensors.Save(Path.Combine(directory, name), ToMap(shards[i]), PtMetadata);
                written.Add(name);
                foreach (var (tensorName, t) in shards[i])
                {
                    weightMap[tensorName] = name;
                    total += t.NumEl * t.DType.ElementSize();
                }
            }
            var indexJson = new JsonObject
            {
                ["metadata"] = new JsonObject { ["total_size"] = total },
                ["weight_map"] = weightMap,
            };
            AtomicFile.WriteAllText(Path.Combine(directory, Safetensors.IndexFileName), indexJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            written.Add(Safetensors.IndexFileName);
        }
        RemoveStaleWeights(directory, written);
        AtomicFile.WriteAllText(Path.Combine(directory, "config.json"), configJson);
        if (companionSource is not null && Path.GetFullPath(companionSource) != Path.GetFullPath(directory))
        {
            foreach (var file in CompanionFiles)
            {
                var from = Path.Combine(companionSource, file);
                var to = Path.Combine(directory, file);
                if (File.Exists(from) && !File.Exists(to))
                {
                    AtomicFile.Copy(from, to);
                }
            }
        }
    }

    private static readonly Dictionary<string, string> PtMetadata = new() { ["format"] = "pt" };

    private static Dictionary<string, Tensor> ToMap(IEnumerable<(string Name, Tensor Tensor)> tensors) =>
        tensors.ToDictionary(p => p.Name, p => p.Tensor, StringComparer.Ordinal);

    /// <summary>Greedy shards in name order, each at most <paramref name="maxBytes"/> (a larger single tensor gets its own).</summary>
    private static List<List<(string Name, Tensor Tensor)>> Partition(IReadOnlyList<(string Name, Tensor Tensor)> tensors, long maxBytes)
    {
        var shards = new List<List<(string, Tensor)>> { new() };
        long size = 0;
        foreach (var item in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var bytes = item.Tensor.NumEl * item.Tensor.DType.ElementSize();
            if (size > 0 && size + bytes > maxBytes)
            {
                shards.Add([]);
                size = 0;
            }
            shards[^1].Add(item);
            size += bytes;
        }
        return shards;
    }

    private static void RemoveStaleWeights(string directory, List<string> keep)
    {
        foreach (var file in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(file);
            var isWeights = name == Safetensors.SingleFileName || name == Safetensors.IndexFileName
                || (name.StartsWith("model-", StringComparison.Ordinal) && name.EndsWith(".safetensors", StringComparison.Ordinal));
            if (isWeights && !keep.Contains(name))
            {
                File.Delete(file);
            }
        }
    }
}

/// <summary>Weights taken from a loaded checkpoint by name, with shape checks that name the file and the fix.</summary>
internal sealed class CheckpointWeights(IReadOnlyDictionary<string, Tensor> tensors, string directory) : WeightSource
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Checkpoint tensors no module asked for (e.g. <c>lm_head.weight</c> of a tied model), ignored as transformers does.</summary>
    public IReadOnlyList<string> Unused => tensors.Keys.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal).ToList();

    public override Tensor Take(string name, long[] shape, WeightInit init)
    {
        if (!tensors.TryGetValue(name, out var tensor))
        {
            throw new ModelConfigException(
                $"{directory}: the checkpoint has no tensor '{name}' (expected shape [{string.Join(", ", shape)}]); " +
                "fix: check that config.json belongs to these weights (num_hidden_layers, tie_word_embeddings) and that no shard is missing.");
        }
        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
        {
            throw new ModelConfigException(
                $"{directory}: tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}] but config.json implies [{string.Join(", ", shape)}]; " +
                "fix: use the config.json that was published with these weights.");
        }
        _used.Add(name);
        return tensor;
    }
}
