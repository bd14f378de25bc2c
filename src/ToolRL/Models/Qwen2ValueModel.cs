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
public sealed class Qwen2ValueModel : Module
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

    /// <summary>Saves in <c>Qwen2ForTokenClassification</c> layout (num_labels 1), loadable by AutoModelForTokenClassification.</summary>
    public void SavePretrained(string directory, DType? dtype = null, long maxShardBytes = 5L << 30) =>
        Checkpoint.SaveModel(this, Config, "Qwen2ForTokenClassification", directory, dtype ?? Model.EmbedTokensWeight.DType, maxShardBytes,
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
