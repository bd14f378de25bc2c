using System.Text.Json.Nodes;
using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>
/// The PPO critic: the Qwen2 decoder (<c>model.*</c>) with a scalar head per token, laid out as transformers'
/// <c>Qwen2ForTokenClassification</c> with <c>num_labels = 1</c> (<c>score.weight</c> [1, H], <c>score.bias</c> [1]),
/// the layout verl's critic loads through AutoModelForTokenClassification.
/// </summary>
public sealed class Qwen2ValueModel : Module, IHfWeightsModel
{
    private readonly Qwen2Linear _score;

    private Qwen2ValueModel(Qwen2Config config, WeightSource decoder, WeightSource head)
    {
        Config = config;
        Model = new Qwen2Model(config, decoder, "model.");
        RegisterModule("model", Model);
        _score = new Qwen2Linear(head, "score", config.HiddenSize, 1, bias: true);
        RegisterModule("score", _score);
    }

    /// <summary>The architecture.</summary>
    public Qwen2Config Config { get; }

    /// <summary>The decoder stack.</summary>
    public Qwen2Model Model { get; }

    /// <summary>The folder the model was loaded from, or null.</summary>
    public string? SourceDirectory { get; private set; }

    /// <summary>
    /// A critic initialised from a policy: a copy of its decoder weights (the value model trains separately) and a
    /// fresh head, Normal(0, initializer_range) weight and zero bias, from <paramref name="seed"/>.
    /// </summary>
    public static Qwen2ValueModel CreateFrom(Qwen2ForCausalLM policy, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(policy);
        using var scope = NewScope();
        using var noGrad = NoGrad();
        var copies = policy.Model.NamedParameters().ToDictionary(p => "model." + p.Name, p => p.Param.Clone(), StringComparer.Ordinal);
        using var generator = new Generator(seed);
        var head = new RandomWeights(policy.Config.InitializerRange, generator, policy.DType, policy.Device);
        return new Qwen2ValueModel(policy.Config, new CheckpointWeights(copies, "policy"), head) { SourceDirectory = policy.SourceDirectory };
    }

    /// <summary>
    /// A LoRA critic on a LoRA policy's frozen base: its decoder shares the policy's base tensors (no copy; neither
    /// changes them while adapters are unmerged), with its own fresh adapters of the same configuration and a fully
    /// trained value head, as TRL and StepTool train a PEFT critic. Only the critic's adapters and head are trainable.
    /// </summary>
    public static Qwen2ValueModel CreateWithAdapters(Qwen2ForCausalLM policy, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var lora = policy.Model.Lora ?? throw new InvalidOperationException("the policy has no LoRA adapters; fix: call policy.AddAdapters first, or use CreateFrom for a full critic.");
        using var scope = NewScope();
        var shared = policy.Model.NamedParameters()
            .Where(p => !p.Name.Contains(".lora_", StringComparison.Ordinal))
            .ToDictionary(p => "model." + p.Name, p => (Tensor)p.Param, StringComparer.Ordinal);
        using var generator = new Generator(seed);
        var head = new RandomWeights(policy.Config.InitializerRange, generator, policy.DType, policy.Device);
        var critic = new Qwen2ValueModel(policy.Config, new CheckpointWeights(shared, "policy"), head) { SourceDirectory = policy.SourceDirectory };
        critic.Model.AddAdapters(lora, seed + 1);
        return critic;
    }

    /// <summary>
    /// Saves the critic's LoRA adapters and value head in PEFT's layout (task_type TOKEN_CLS, modules_to_save ["score"],
    /// tensors <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c> … and <c>base_model.model.score.weight</c>).
    /// </summary>
    public void SaveAdapter(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var lora = Model.Lora ?? throw new InvalidOperationException("the critic has no LoRA adapters to save; fix: save the whole critic with SavePretrained.");
        var tensors = Model.AdapterParameters().Select(p => ("model." + p.Name, (Tensor)p.Param))
            .Concat(_score.NamedParameters().Select(p => ("score." + p.Name, (Tensor)p.Param)));
        PeftAdapter.Save(directory, lora, "TOKEN_CLS", SourceDirectory, ["score"], tensors);
    }

    /// <summary>Restores what <see cref="SaveAdapter"/> wrote into this critic's adapters and value head (same r and targets).</summary>
    public void LoadAdapter(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var scope = NewScope();
        var adapter = PeftAdapter.Load(directory, Model.EmbedTokensWeight.DType, Model.EmbedTokensWeight.Device);
        Model.LoadAdapters(adapter, "model.", directory);
        using var noGrad = NoGrad();
        foreach (var (name, parameter) in _score.NamedParameters())
        {
            if (!adapter.Tensors.TryGetValue("score." + name, out var value) || !value.Shape.AsSpan().SequenceEqual(parameter.Shape))
            {
                throw new ModelConfigException($"{directory}: the adapter has no value head tensor {PeftAdapter.NamePrefix}score.{name} of shape [{string.Join(", ", parameter.Shape)}]; fix: load a critic adapter saved by a PPO run with model.lora.");
            }
            parameter.CopyFrom(value);
        }
    }

    /// <summary>A critic with every weight freshly initialised (transformers' init) from <paramref name="seed"/>.</summary>
    public static Qwen2ValueModel CreateRandom(Qwen2Config config, long seed, DType dtype = DType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using var generator = new Generator(seed);
        using var scope = NewScope();
        var source = new RandomWeights(config.InitializerRange, generator, dtype, device ?? Device.Cpu);
        return new Qwen2ValueModel(config, source, source);
    }

    /// <summary>
    /// Loads a folder: a saved critic (with <c>score.*</c>) or a causal-LM checkpoint, whose decoder is used with a
    /// fresh head from <paramref name="seed"/> (its <c>lm_head</c> is ignored).
    /// </summary>
    public static Qwen2ValueModel FromPretrained(string directory, DType? dtype = null, Device? device = null, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var config = Qwen2Config.FromDirectory(directory);
        var dev = device ?? Device.Cpu;
        var dt = dtype ?? ModelDTypes.DefaultFor(dev);
        using var scope = NewScope();
        var tensors = Checkpoint.LoadWeights(directory, dt, dev);
        var weights = new CheckpointWeights(tensors, directory);
        using var generator = new Generator(seed);
        WeightSource head = tensors.ContainsKey("score.weight")
            ? weights
            : new RandomWeights(config.InitializerRange, generator, dt, dev);
        return new Qwen2ValueModel(config, weights, head) { SourceDirectory = Path.GetFullPath(directory) };
    }

    /// <summary>Saves in <c>Qwen2ForTokenClassification</c> (<c>Qwen3…</c>, <c>Llama…</c>) layout (num_labels 1), loadable by AutoModelForTokenClassification.</summary>
    public void SavePretrained(string directory, DType? dtype = null, long maxShardBytes = 5L << 30) =>
        Checkpoint.SaveModel(this, Model, Config, Config.Architecture.TokenClassificationClass(), directory, dtype ?? Model.EmbedTokensWeight.DType, maxShardBytes,
            SourceDirectory, new Dictionary<string, JsonNode?>
            {
                ["num_labels"] = 1,
                ["id2label"] = new JsonObject { ["0"] = "LABEL_0" },
                ["label2id"] = new JsonObject { ["LABEL_0"] = 0 },
            });

    /// <summary>Values [B,T] in float32: <c>score(hidden)</c> at every position (same arguments as <see cref="Qwen2Model.Forward"/>).</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        using var scope = NewScope();
        var hidden = Model.Forward(inputIds, attentionMask, positionIds);   // [B,T,H]
        var values = _score.Forward(hidden).Squeeze(-1).To(DType.Float32);   // [B,T]
        return scope.MoveToOuter(values);
    }
}
