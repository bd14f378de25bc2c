using ToolRL.Models;

namespace ToolRL.Generation;

/// <summary>
/// How <see cref="Sampler"/> decodes. Greedy when <see cref="DoSample"/> is false or <see cref="Temperature"/> is 0;
/// otherwise logits / temperature → top-k → top-p (the order of transformers' warpers) → a draw from the seeded generator.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Generated tokens per sequence at most (finish reason <see cref="FinishReason.Length"/>).</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>Sample (true) or take the most likely token (false).</summary>
    public bool DoSample { get; init; } = true;

    /// <summary>Softmax temperature when sampling; 0 means greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass kept when sampling (1 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Most likely tokens kept when sampling (0 = off).</summary>
    public int TopK { get; init; }

    /// <summary>CTRL repetition penalty over prompt and generated tokens (1 = off): positive logits are divided by it, negative ones multiplied.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Token ids that end a sequence (the id is kept as the last generated token).</summary>
    public IReadOnlyList<long> EosTokenIds { get; init; } = [];

    /// <summary>Strings that end a sequence when they appear in the generated text (needs a decoder; the text is cut before the stop string).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Seed of the sampling generator: the same seed, prompts and options give the same samples.</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Options from a model's generation_config.json (eos ids, do_sample, temperature, top_p, top_k, repetition penalty,
    /// max_new_tokens), falling back to the config.json eos ids.
    /// </summary>
    public static GenerationOptions From(GenerationConfig? generation, Qwen2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = new GenerationOptions { EosTokenIds = config.EosTokenIds };
        if (generation is null)
        {
            return options;
        }
        return options with
        {
            EosTokenIds = generation.EosTokenIds.Count > 0 ? generation.EosTokenIds : config.EosTokenIds,
            DoSample = generation.DoSample,
            Temperature = generation.Temperature,
            TopP = generation.TopP,
            TopK = (int)Math.Min(int.MaxValue, generation.TopK),
            RepetitionPenalty = generation.RepetitionPenalty,
            MaxNewTokens = generation.MaxNewTokens is { } n ? (int)Math.Min(int.MaxValue, n) : options.MaxNewTokens,
        };
    }

    /// <summary>True when decoding takes the argmax.</summary>
    public bool IsGreedy => !DoSample || Temperature == 0;

    /// <summary>Refuses impossible settings, naming the option and the fix.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new ArgumentException($"MaxNewTokens = {MaxNewTokens} must be ≥ 0; fix: use a positive token budget");
        }
        if (!(Temperature >= 0) || double.IsInfinity(Temperature))
        {
            throw new ArgumentException($"Temperature = {Temperature} must be a finite number ≥ 0; fix: use e.g. 1.0, or 0 for greedy");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"TopP = {TopP} must lie in (0, 1]; fix: use e.g. 0.9, or 1 to disable");
        }
        if (TopK < 0)
        {
            throw new ArgumentException($"TopK = {TopK} must be ≥ 0; fix: use e.g. 50, or 0 to disable");
        }
        if (!(RepetitionPenalty > 0) || double.IsInfinity(RepetitionPenalty))
        {
            throw new ArgumentException($"RepetitionPenalty = {RepetitionPenalty} must be a positive number; fix: use 1.0 to disable");
        }
        if (StopStrings.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("StopStrings contains an empty string; fix: remove it");
        }
    }
}

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>An end-of-sequence id was generated.</summary>
    Eos,

    /// <summary>A stop string appeared in the generated text.</summary>
    StopString,

    /// <summary>MaxNewTokens were generated.</summary>
    Length,
}

/// <summary>One generated continuation.</summary>
/// <param name="PromptIndex">Which prompt it continues.</param>
/// <param name="SampleIndex">Which of that prompt's samples (0 … n−1).</param>
/// <param name="TokenIds">Generated ids, including the final eos id or the token that completed a stop string.</param>
/// <param name="LogProbs">log p of each generated id under softmax(logits / T) of the model (T = the sampling
/// temperature, 1 when greedy), before top-k/top-p/penalties: what <see cref="LogProbs"/> scoring with the same
/// temperature returns.</param>
/// <param name="FinishReason">Why it ended.</param>
/// <param name="Text">The decoded text (cut before a stop string), when a decoder was given.</param>
public sealed record GeneratedSequence(int PromptIndex, int SampleIndex, IReadOnlyList<int> TokenIds, IReadOnlyList<float> LogProbs,
    FinishReason FinishReason, string? Text);
