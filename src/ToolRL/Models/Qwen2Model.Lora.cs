using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

// LoRA adapters of the decoder: attached to the linear layers <see cref="LoraConfig.TargetModules"/> names, switched
// off for the reference policy, merged into the base weights for inference only.
public sealed partial class Qwen2Model
{
    private readonly LoraSwitch _loraSwitch = new();

    /// <summary>The attached adapters' configuration, or null when the decoder has none.</summary>
    public LoraConfig? Lora { get; private set; }

    /// <summary>
    /// Whether attached adapters take part in the forward (default true). Off, the decoder computes the frozen base
    /// model: the PPO/GRPO reference policy without a second copy of the weights.
    /// </summary>
    public bool AdaptersEnabled
    {
        get => _loraSwitch.Enabled;
        set => _loraSwitch.Enabled = value;
    }

    /// <summary>True after <see cref="MergeAdapters"/> (and before <see cref="UnmergeAdapters"/>).</summary>
    public bool AdaptersMerged { get; private set; }

    /// <summary>Switches the adapters off until the returned scope is disposed (restoring the previous state).</summary>
    public IDisposable DisableAdapters()
    {
        var previous = AdaptersEnabled;
        AdaptersEnabled = false;
        return new Restore(() => AdaptersEnabled = previous);
    }

    /// <summary>
    /// Attaches fresh adapters as PEFT initialises them (A Kaiming-uniform, B zeros, so the model's outputs do not
    /// change) from <paramref name="seed"/>, and freezes every other parameter of the decoder: only lora_A/lora_B train.
    /// </summary>
    internal void AddAdapters(LoraConfig config, long seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var generator = new Generator(seed);
        var dtype = EmbedTokensWeight.DType;
        var device = EmbedTokensWeight.Device;
        AttachAdapters(config, (_, layer) => LoraAdapter.Initial(layer.Weight.Size(1), layer.Weight.Size(0), config.R, generator, dtype, device));
    }

    /// <summary>
    /// Attaches adapters whose A and B come from <paramref name="take"/> (called with the layer's path below the decoder,
    /// e.g. <c>layers.0.self_attn.q_proj</c>, and the layer), then freezes the base.
    /// </summary>
    internal void AttachAdapters(LoraConfig config, Func<string, Qwen2Linear, (Tensor A, Tensor B)> take)
    {
        config.Validate();
        if (Lora is not null)
        {
            throw new InvalidOperationException("the model already has adapters; fix: load the base model again to attach another set.");
        }
        foreach (var p in Parameters())
        {
            p.RequiresGrad = false;
        }
        using var scope = NewScope();
        foreach (var (path, name, layer) in Projections().Where(p => config.Targets(p.Name)))
        {
            var (a, b) = take(path, layer);
            layer.Attach(new LoraAdapter(a, b, config, _loraSwitch));
        }
        Lora = config;
    }

    /// <summary>Every linear layer of the decoder: (path below the decoder, PEFT module name, layer), in layer order.</summary>
    internal IEnumerable<(string Path, string Name, Qwen2Linear Layer)> Projections() =>
        _layers.SelectMany((layer, i) => layer.Projections().Select(p => ($"layers.{i}.{p.Path}", p.Name, p.Layer)));

    /// <summary>The adapter matrices by state-dict name below the decoder (<c>layers.0.self_attn.q_proj.lora_A.weight</c>, …).</summary>
    public IEnumerable<(string Name, Parameter Param)> AdapterParameters() =>
        Projections().Where(p => p.Layer.Adapter is not null).SelectMany(p => new[]
        {
            (p.Path + ".lora_A.weight", p.Layer.Adapter!.A.Weight),
            (p.Path + ".lora_B.weight", p.Layer.Adapter!.B.Weight),
        });

    /// <summary>
    /// Adds s·B·A into each adapted base weight in place, so generation runs at the base model's speed. Not exactly
    /// reversible in floating point (W + Δ − Δ may differ from W in the last bit), so training never merges: use it
    /// for inference (<c>toolrl generate --merge</c>) or before saving a merged model.
    /// </summary>
    public void MergeAdapters() => SetMerged(true);

    /// <summary>Subtracts s·B·A from each adapted base weight again (equal to the original up to rounding, see <see cref="MergeAdapters"/>).</summary>
    public void UnmergeAdapters() => SetMerged(false);

    private void SetMerged(bool merge)
    {
        if (Lora is null || merge == AdaptersMerged)
        {
            return;
        }
        using var noGrad = NoGrad();
        foreach (var (_, _, layer) in Projections())
        {
            if (layer.Adapter is not { } adapter)
            {
                continue;
            }
            using var scope = NewScope();
            var delta = adapter.Delta().To(layer.Weight.DType);   // [out, in]
            if (merge)
            {
                layer.Weight.AddInPlace(delta);
            }
            else
            {
                layer.Weight.SubInPlace(delta);
            }
            adapter.Merged = merge;
        }
        AdaptersMerged = merge;
    }

    /// <summary>
    /// The base weights with each unmerged adapter folded in (W + s·B·A, new tensors), keyed by state-dict name below
    /// the decoder: what a merged Hugging Face checkpoint holds for the adapted layers.
    /// </summary>
    internal Dictionary<string, Tensor> MergedWeights()
    {
        using var noGrad = NoGrad();
        var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, _, layer) in Projections())
        {
            if (layer.Adapter is { Merged: false } adapter)
            {
                merged[path + ".weight"] = layer.Weight + adapter.Delta().To(layer.Weight.DType);
            }
        }
        return merged;
    }

    /// <summary>
    /// Attaches adapters with the values of a loaded PEFT adapter whose names carry <paramref name="prefix"/> (e.g.
    /// <c>model.</c>), or copies them into the adapters already attached (a checkpoint resume). Every adapter tensor must
    /// fit the base layer it belongs to; one that does not is refused with both shapes.
    /// </summary>
    internal void LoadAdapters(PeftAdapter.Contents adapter, string prefix, string source)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        (Tensor A, Tensor B) Take(string path, Qwen2Linear layer)
        {
            long outFeatures = layer.Weight.Size(0), inFeatures = layer.Weight.Size(1);
            return (Find(path + ".lora_A.weight", [adapter.Config.R, inFeatures]), Find(path + ".lora_B.weight", [outFeatures, adapter.Config.R]));

            Tensor Find(string name, long[] shape)
            {
                if (!adapter.Tensors.TryGetValue(prefix + name, out var tensor))
                {
                    throw new ModelConfigException(
                        $"{source}: no tensor '{PeftAdapter.NamePrefix}{prefix}{name}' although target_modules lists '{path.Split('.')[^1]}'; " +
                        "fix: use the adapter_model.safetensors saved with this adapter_config.json.");
                }
                if (!tensor.Shape.AsSpan().SequenceEqual(shape))
                {
                    throw new ModelConfigException(
                        $"{source}: adapter tensor '{PeftAdapter.NamePrefix}{prefix}{name}' has shape [{string.Join(", ", tensor.Shape)}] but the base model's " +
                        $"{path} is [{layer.Weight.Size(0)}, {layer.Weight.Size(1)}] (r {adapter.Config.R}), so it must be [{string.Join(", ", shape)}]; " +
                        $"fix: load the adapter onto the base model it was trained on{(adapter.BaseModel is null ? "" : $" (base_model_name_or_path: {adapter.BaseModel})")}.");
                }
                used.Add(prefix + name);
                return tensor;
            }
        }
        if (Lora is null)
        {
            AttachAdapters(adapter.Config, Take);
        }
        else
        {
            if (Lora.R != adapter.Config.R || !Lora.TargetModules.Order().SequenceEqual(adapter.Config.TargetModules.Order()))
            {
                throw new ModelConfigException(
                    $"{source}: the adapter has r {adapter.Config.R} on [{string.Join(", ", adapter.Config.TargetModules)}] but the model's adapters have r {Lora.R} on " +
                    $"[{string.Join(", ", Lora.TargetModules)}]; fix: resume with the model.lora settings the checkpoint was trained with.");
            }
            using var noGrad = NoGrad();
            foreach (var (path, _, layer) in Projections().Where(p => p.Layer.Adapter is not null))
            {
                var (a, b) = Take(path, layer);
                layer.Adapter!.A.Weight.CopyFrom(a);
                layer.Adapter.B.Weight.CopyFrom(b);
            }
        }
        var unexpected = adapter.Tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !used.Contains(k)).ToList();
        if (unexpected.Count > 0)
        {
            throw new ModelConfigException(
                $"{source}: adapter tensors this model has no place for: {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", …" : "")}; " +
                "fix: load the adapter onto a Qwen2 base model with the same number of layers (adapters on embed_tokens or lm_head are not supported).");
        }
    }

    /// <summary>
    /// <paramref name="root"/>'s parameters as a Hugging Face checkpoint of the adapted model holds them: adapter
    /// matrices left out, adapted weights merged (W + s·B·A as new tensors; the model is not changed). Call inside a scope.
    /// </summary>
    internal static List<(string Name, Tensor Tensor)> HuggingFaceTensors(Module root, Qwen2Model decoder, string decoderPrefix)
    {
        var merged = decoder.MergedWeights();
        return root.NamedParameters()
            .Where(p => !p.Name.Contains(".lora_A.", StringComparison.Ordinal) && !p.Name.Contains(".lora_B.", StringComparison.Ordinal))
            .Select(p => (p.Name, p.Name.StartsWith(decoderPrefix, StringComparison.Ordinal)
                && merged.TryGetValue(p.Name[decoderPrefix.Length..], out var w) ? w : (Tensor)p.Param))
            .ToList();
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
