using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Torch.NN;
using ToolRL.Training.Rollout;

namespace ToolRL.Training.Models;

/// <summary><see cref="IPolicyModel"/> over the project's <see cref="Qwen2ForCausalLM"/>: chunked response scoring and KV-cache sampling.</summary>
public sealed class Qwen2Policy(Qwen2ForCausalLM model) : IPolicyModel
{
    /// <summary>The wrapped model.</summary>
    public Qwen2ForCausalLM Model { get; } = model;

    /// <inheritdoc />
    public Module Module => Model;

    /// <inheritdoc />
    public (Tensor LogProbs, Tensor? Entropy) ScoreResponses(MicroBatch batch, double temperature, bool withEntropy)
    {
        var (logProbs, entropy) = LogProbs.Compute(Model, batch.InputIds, batch.AttentionMask, batch.ResponseWidth,
            new LogProbOptions { Temperature = temperature, WithEntropy = withEntropy });
        return (logProbs, withEntropy ? entropy : null);
    }

    /// <inheritdoc />
    public IReadOnlyList<GeneratedResponse> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int n, SamplingSettings settings, long seed)
    {
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
            .Select(s => new GeneratedResponse(s.TokenIds.ToArray(), s.FinishReason != FinishReason.Length))
            .ToList();
    }

    /// <inheritdoc />
    public void SavePretrained(string directory) => Model.SavePretrained(directory);

    /// <inheritdoc />
    public void LoadWeights(string directory)
    {
        using var loaded = Qwen2ForCausalLM.FromPretrained(directory, Model.DType, Model.Device);
        Model.LoadStateDict(loaded.StateDict());
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
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

    /// <inheritdoc />
    public void SavePretrained(string directory) => Model.SavePretrained(directory);

    /// <inheritdoc />
    public void LoadWeights(string directory)
    {
        using var loaded = Qwen2ValueModel.FromPretrained(directory);
        Model.LoadStateDict(loaded.StateDict());
    }

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
