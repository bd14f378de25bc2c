using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Torch.NN;
using ToolRL.Training.Rollout;

namespace ToolRL.Training.Models;

/// <summary>
/// <see cref="IPolicyModel"/> over the project's <see cref="Qwen2ForCausalLM"/>: chunked response scoring and KV-cache
/// sampling. A model with LoRA adapters saves and loads its adapter only (PEFT layout), and <see cref="BaseOf"/> gives
/// its frozen base as the reference policy without copying a weight.
/// </summary>
public sealed class Qwen2Policy : IPolicyModel
{
    private readonly bool _adaptersOff;
    private readonly bool _ownsModel;

    /// <summary>A policy owning <paramref name="model"/> (disposed with it).</summary>
    public Qwen2Policy(Qwen2ForCausalLM model) : this(model, adaptersOff: false, ownsModel: true)
    {
    }

    private Qwen2Policy(Qwen2ForCausalLM model, bool adaptersOff, bool ownsModel)
    {
        Model = model;
        _adaptersOff = adaptersOff;
        _ownsModel = ownsModel;
    }

    /// <summary>
    /// The base model under <paramref name="policy"/>'s LoRA adapters: the same module, scored and sampled with the adapters
    /// switched off (the reference policy of a LoRA run; its parameters are the policy's, so do not freeze or dispose them through it).
    /// </summary>
    public static Qwen2Policy BaseOf(Qwen2Policy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Model.Model.Lora is null)
        {
            throw new InvalidOperationException("the policy has no LoRA adapters, so its base is the policy itself; fix: use a frozen copy as the reference model.");
        }
        return new Qwen2Policy(policy.Model, adaptersOff: true, ownsModel: false);
    }

    /// <summary>The wrapped model.</summary>
    public Qwen2ForCausalLM Model { get; }

    /// <inheritdoc />
    public Module Module => Model;

    /// <inheritdoc />
    public (Tensor LogProbs, Tensor? Entropy) ScoreResponses(MicroBatch batch, double temperature, bool withEntropy)
    {
        using var adapters = AdapterScope();
        var (logProbs, entropy) = LogProbs.Compute(Model, batch.InputIds, batch.AttentionMask, batch.ResponseWidth,
            new LogProbOptions { Temperature = temperature, WithEntropy = withEntropy });
        return (logProbs, withEntropy ? entropy : null);
    }

    /// <inheritdoc />
    public IReadOnlyList<GeneratedResponse> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int n, SamplingSettings settings, long seed)
    {
        using var adapters = AdapterScope();
        var options = new GenerationOptions
        {
            MaxNewTokens = settings.MaxNewTokens,
            DoSample = !settings.Greedy,
            Temperature = settings.Greedy ? 1.0 : settings.Temperature,
            TopP = settings.TopP,
            TopK = Math.Max(0, settings.TopK),
            EosTokenIds = settings.StopTokenIds.Select(id => (long)id).ToArray(),
            Seed = seed,
        };
        return Sampler.Generate(Model, prompts, options, n)
            .Select(s => new GeneratedResponse(s.TokenIds.ToArray(), s.FinishReason != FinishReason.Length) { LogProbs = s.LogProbs.ToArray() })
            .ToList();
    }

    /// <summary>Writes the model in Hugging Face layout, or only its LoRA adapter (adapter_config.json, adapter_model.safetensors) when it has one.</summary>
    public void SavePretrained(string directory) => TrainedWeightsFolder.Save(Model, directory);

    /// <summary>Copies weights from a folder written by <see cref="SavePretrained"/>: a LoRA adapter folder or a whole model.</summary>
    public void LoadWeights(string directory) =>
        TrainedWeightsFolder.Load(Model, directory, dir => Qwen2ForCausalLM.FromPretrained(dir, Model.DType, Model.Device));

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel)
        {
            Model.Dispose();
        }
    }

    private IDisposable? AdapterScope() => _adaptersOff ? Model.Model.DisableAdapters() : null;
}

/// <summary><see cref="IValueModel"/> over <see cref="Qwen2ValueModel"/>: values at positions <c>[P−1, P+R−1)</c>, the state before each response token (verl <c>[-R-1:-1]</c>).</summary>
public sealed class Qwen2Critic(Qwen2ValueModel model) : IValueModel
{
    /// <summary>The wrapped model.</summary>
    public Qwen2ValueModel Model { get; } = model;

    /// <inheritdoc />
    public Module Module => Model;

    /// <inheritdoc />
    public Tensor Values(MicroBatch batch)
    {
        using var scope = torch.NewScope();
        var values = Model.Forward(batch.InputIds, batch.AttentionMask).Narrow(1, batch.PromptWidth - 1, batch.ResponseWidth);
        return scope.MoveToOuter(values);
    }

    /// <summary>Writes the critic in Hugging Face layout, or only its LoRA adapter and value head when it has adapters.</summary>
    public void SavePretrained(string directory) => TrainedWeightsFolder.Save(Model, directory);

    /// <summary>Copies weights from a folder written by <see cref="SavePretrained"/>.</summary>
    public void LoadWeights(string directory) =>
        TrainedWeightsFolder.Load(Model, directory, dir => Qwen2ValueModel.FromPretrained(dir, Model.Model.EmbedTokensWeight.DType, Model.Model.EmbedTokensWeight.Device));

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
