using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>
/// Qwen2 / Qwen2.5 causal language model, and by <see cref="Qwen2Config.Architecture"/> also Qwen3 and Llama 3.x
/// (<c>Qwen3ForCausalLM</c>, <c>LlamaForCausalLM</c>; the variations are marked in Qwen2Model.cs): the decoder (<see cref="Model"/>, names <c>model.*</c>) and the output
/// projection <c>lm_head</c> (tied to <c>model.embed_tokens.weight</c> when <c>tie_word_embeddings</c>).
/// Loads and saves Hugging Face checkpoint folders; its state dict is the Hugging Face one.
/// </summary>
public sealed class Qwen2ForCausalLM : Module, IHfWeightsModel
{
    private readonly Qwen2Linear? _lmHead;

    private Qwen2ForCausalLM(Qwen2Config config, WeightSource source)
    {
        Config = config;
        Model = new Qwen2Model(config, source, "model.");
        RegisterModule("model", Model);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = new Qwen2Linear(source, "lm_head", config.HiddenSize, config.VocabSize, bias: false);
            RegisterModule("lm_head", _lmHead);
        }
    }

    /// <summary>The architecture.</summary>
    public Qwen2Config Config { get; }

    /// <summary>The decoder stack (final-norm hidden states).</summary>
    public Qwen2Model Model { get; }

    /// <summary>The folder's generation_config.json, when it had one.</summary>
    public GenerationConfig? GenerationConfig { get; private set; }

    /// <summary>The folder the model was loaded from (tokenizer files are copied from it on save), or null.</summary>
    public string? SourceDirectory { get; internal set; }

    /// <summary>The output projection [vocab, H]: <c>lm_head.weight</c>, or the embedding when tied.</summary>
    public Parameter LmHeadWeight => _lmHead?.Weight ?? Model.EmbedTokensWeight;

    /// <summary>The dtype parameters are held and computed in.</summary>
    public DType DType => Model.EmbedTokensWeight.DType;

    /// <summary>The device parameters live on.</summary>
    public Device Device => Model.EmbedTokensWeight.Device;

    /// <summary>
    /// Loads a Hugging Face model folder: config.json, safetensors weights (single or sharded; BF16/F16/F32) and,
    /// when present, generation_config.json. Weights are converted to <paramref name="dtype"/> (default: float32 on
    /// CPU, bfloat16 on CUDA) on <paramref name="device"/> (default CPU).
    /// </summary>
    public static Qwen2ForCausalLM FromPretrained(string directory, DType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new ModelConfigException($"{directory}: model folder not found; fix: pass a folder holding config.json and model.safetensors.");
        }
        var config = Qwen2Config.FromDirectory(directory);
        var generation = GenerationConfig.FromDirectory(directory);
        var dev = device ?? Device.Cpu;
        var dt = dtype ?? ModelDTypes.DefaultFor(dev);
        using var scope = NewScope();   // the loaded handles; parameters share their storage and outlive the scope
        var weights = new CheckpointWeights(Checkpoint.LoadWeights(directory, dt, dev), directory);
        var model = new Qwen2ForCausalLM(config, weights) { GenerationConfig = generation, SourceDirectory = Path.GetFullPath(directory) };
        return model;
    }

    /// <summary>
    /// A freshly initialised model as transformers initialises one: Normal(0, initializer_range) for linear and
    /// embedding weights, zero biases, unit norms; the same <paramref name="seed"/> gives the same weights.
    /// </summary>
    public static Qwen2ForCausalLM CreateRandom(Qwen2Config config, long seed, DType dtype = DType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        using var generator = new Generator(seed);
        using var scope = NewScope();
        return new Qwen2ForCausalLM(config, new RandomWeights(config.InitializerRange, generator, dtype, device ?? Device.Cpu));
    }

    /// <summary>
    /// Saves config.json and the weights in Hugging Face layout (tied models without <c>lm_head.weight</c>), so that
    /// transformers, vLLM and SGLang load the folder. Weights are written in <paramref name="dtype"/> (default: the
    /// compute dtype), sharded with an index above <paramref name="maxShardBytes"/>. Every file is written under a
    /// temporary name and renamed into place; tokenizer files and generation_config.json of the source folder are
    /// copied when the target lacks them. A model with LoRA adapters is saved merged (W + s·B·A; the model itself is
    /// not changed): the folder is a plain Hugging Face model (<c>toolrl merge</c>); <see cref="SaveAdapter"/> saves the adapter alone.
    /// </summary>
    public void SavePretrained(string directory, DType? dtype = null, long maxShardBytes = 5L << 30) =>
        Checkpoint.SaveModel(this, Model, Config, Config.Architecture.CausalLmClass(), directory, dtype ?? DType, maxShardBytes, SourceDirectory);

    /// <summary>
    /// Saves the LoRA adapters in PEFT's layout: adapter_config.json (task_type CAUSAL_LM, base_model_name_or_path the
    /// folder the base was loaded from) and adapter_model.safetensors (<c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>, …).
    /// </summary>
    public void SaveAdapter(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var lora = Model.Lora ?? throw new InvalidOperationException("the model has no LoRA adapters to save; fix: call AddAdapters or LoadAdapter first, or save the whole model with SavePretrained.");
        PeftAdapter.Save(directory, lora, "CAUSAL_LM", SourceDirectory, [], Model.AdapterParameters().Select(p => ("model." + p.Name, (Tensor)p.Param)));
    }

    /// <summary>
    /// Loads a PEFT LoRA adapter folder (ours or one PEFT saved) onto this base model: attaches adapters with its values
    /// (the base is frozen), or, when adapters with the same r and targets are attached, copies its values into them.
    /// An adapter made for another base (tensor shapes that do not fit its layers) is refused naming both shapes.
    /// </summary>
    public void LoadAdapter(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        using var scope = NewScope();
        var adapter = PeftAdapter.Load(directory, DType, Device);
        if (adapter.ModulesToSave.Count > 0)
        {
            throw new ModelConfigException(
                $"{Path.Combine(directory, PeftAdapter.ConfigFileName)}: modules_to_save [{string.Join(", ", adapter.ModulesToSave)}] (fully trained layers) " +
                "is not supported for a causal LM adapter; fix: merge the adapter in Python (merge_and_unload) and load the merged model.");
        }
        Model.LoadAdapters(adapter, "model.", directory);
        FreezeHead();
    }

    /// <summary>
    /// Attaches fresh LoRA adapters (<paramref name="config"/>) as PEFT initialises them (A Kaiming-uniform from
    /// <paramref name="seed"/>, B zeros: the outputs do not change) and freezes every other parameter, so only the
    /// adapters train. Switch them off with <c>Model.DisableAdapters()</c>, fold them in with <c>Model.MergeAdapters()</c>.
    /// </summary>
    public void AddAdapters(LoraConfig config, long seed)
    {
        Model.AddAdapters(config, seed);
        FreezeHead();
    }

    private void FreezeHead()
    {
        if (_lmHead is not null)
        {
            _lmHead.Weight.RequiresGrad = false;
        }
    }

    /// <summary>Logits [B,T,V] for every position (see <see cref="Qwen2Model.Forward"/> for the arguments).</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        using var scope = NewScope();
        var hidden = Model.Forward(inputIds, attentionMask, positionIds);   // [B,T,H]
        return scope.MoveToOuter(Logits(hidden));                          // [B,T,V]
    }

    /// <summary>Final hidden states [B,T,H] (optionally through a KV cache); project with <see cref="Logits"/> only where needed.</summary>
    public Tensor ForwardHidden(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null) =>
        Model.Forward(inputIds, attentionMask, positionIds, cache);

    /// <summary>Vocabulary projection of hidden states [..., H] → logits [..., V] in the model dtype.</summary>
    public Tensor Logits(Tensor hidden) => Linear(hidden, LmHeadWeight);

    /// <summary>
    /// Logits [R,V] of a few rows [R,H] (a decode step). With R ≤ 64 this goes through <see cref="RowProjection"/>,
    /// which streams the [V,H] weight once (a dedicated kernel up to 16 rows, (W·hᵀ)ᵀ beyond) instead of letting the
    /// GEMM repack it; same values as <see cref="Logits"/> up to summation order.
    /// </summary>
    public Tensor LogitsOfRows(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Dim != 2 || rows.Size(0) > 64 ? Logits(rows) : RowProjection.Compute(rows, LmHeadWeight);   // [R,V]
    }

    /// <summary>An empty KV cache for <paramref name="batchSize"/> rows of up to <paramref name="maxLength"/> tokens, in the model's dtype and device.</summary>
    public KvCache CreateCache(long batchSize, long maxLength) => new(Config, batchSize, maxLength, DType, Device);
}
