using ToolRL.Torch;
using ToolRL.Torch.NN;
using ToolRL.Training.Rollout;

namespace ToolRL.Training;

/// <summary>
/// What the trainers need of a causal language model: its parameters, differentiable log-probs of given response
/// tokens, batched sampling, and saving in Hugging Face layout. <c>Qwen2Policy</c> (ToolRL.Training.Models) adapts the project's
/// Qwen2 model; another architecture plugs in by implementing this.
/// </summary>
public interface IPolicyModel : IDisposable
{
    /// <summary>The module holding the trainable parameters (train/eval switch, state dict).</summary>
    Module Module { get; }

    /// <summary>
    /// Log-probabilities <c>[B, R]</c> of the response tokens of <paramref name="batch"/> under the model at
    /// <paramref name="temperature"/> (logits / T), and their entropies when <paramref name="withEntropy"/>;
    /// differentiable when gradients are enabled. Padding positions hold arbitrary finite values (masked later).
    /// </summary>
    (Tensor LogProbs, Tensor? Entropy) ScoreResponses(MicroBatch batch, double temperature, bool withEntropy);

    /// <summary>
    /// Samples <paramref name="n"/> responses for each prompt (the n samples share one prefill of their prompt);
    /// the result lists prompt 0's n responses, then prompt 1's, and so on. The same <paramref name="seed"/> gives the
    /// same responses (the trainers derive it from the run's seed and the step, so a resumed run samples what the
    /// uninterrupted one did).
    /// </summary>
    IReadOnlyList<GeneratedResponse> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int n, SamplingSettings settings, long seed);

    /// <summary>Writes the weights and config in Hugging Face layout (config.json, model.safetensors).</summary>
    void SavePretrained(string directory);

    /// <summary>Copies weights from a folder written by <see cref="SavePretrained"/> into this model.</summary>
    void LoadWeights(string directory);
}

/// <summary>A critic: one value per response position (the value of the state before each response token).</summary>
public interface IValueModel : IDisposable
{
    /// <summary>The module holding the trainable parameters.</summary>
    Module Module { get; }

    /// <summary>Values <c>[B, R]</c> at the response positions of <paramref name="batch"/> (verl reads <c>[-R-1:-1]</c>).</summary>
    Tensor Values(MicroBatch batch);

    /// <summary>Writes the weights and config in Hugging Face layout.</summary>
    void SavePretrained(string directory);

    /// <summary>Copies weights from a folder written by <see cref="SavePretrained"/> into this model.</summary>
    void LoadWeights(string directory);
}

/// <summary>One sampled response.</summary>
/// <param name="TokenIds">The generated ids, including the stop token when generation stopped on one.</param>
/// <param name="Stopped">True when an end-of-sequence token ended it; false when it hit the length limit.</param>
public sealed record GeneratedResponse(int[] TokenIds, bool Stopped)
{
    /// <summary>
    /// Optional: the sampler's log-probability of each of <see cref="TokenIds"/>, log softmax(logits / T) of the
    /// model at the sampling temperature T, before top-k, top-p and repetition penalty (the distribution the trainer
    /// scores the same tokens with, so the two can be compared: <c>training/rollout_probs_diff_*</c>). Null when the
    /// sampler does not record them.
    /// </summary>
    public float[]? LogProbs { get; init; }
}

/// <summary>Sampling settings of a rollout or of validation.</summary>
/// <param name="MaxNewTokens">Response length limit.</param>
/// <param name="Temperature">0 = greedy.</param>
/// <param name="TopP">Nucleus threshold (1 = off).</param>
/// <param name="TopK">k most likely tokens (≤ 0 = off).</param>
/// <param name="StopTokenIds">Ids that end a response (e.g. &lt;|im_end|&gt;, &lt;|endoftext|&gt;).</param>
public sealed record SamplingSettings(int MaxNewTokens, double Temperature, double TopP, int TopK, IReadOnlyList<int> StopTokenIds)
{
    /// <summary>True for greedy decoding.</summary>
    public bool Greedy => Temperature <= 0;
}
