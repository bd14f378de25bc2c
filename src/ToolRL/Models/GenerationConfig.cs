namespace ToolRL.Models;

/// <summary>
/// A model folder's <c>generation_config.json</c>: stop ids and the sampling defaults the model was
/// published with. Absent keys take transformers' <c>GenerationConfig</c> defaults; unknown keys are ignored.
/// </summary>
public sealed record GenerationConfig
{
    /// <summary>Beginning-of-sequence id, if given.</summary>
    public long? BosTokenId { get; init; }

    /// <summary>Ids that end a generation (Qwen2.5-Instruct: 151645 <c>&lt;|im_end|&gt;</c> and 151643 <c>&lt;|endoftext|&gt;</c>).</summary>
    public IReadOnlyList<long> EosTokenIds { get; init; } = [];

    /// <summary>Padding id, if given.</summary>
    public long? PadTokenId { get; init; }

    /// <summary>Sample (true) or decode greedily (false).</summary>
    public bool DoSample { get; init; }

    /// <summary>Softmax temperature used when sampling.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus mass kept when sampling (1 keeps everything).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Number of most likely tokens kept when sampling (0 keeps everything; transformers' default is 50).</summary>
    public long TopK { get; init; } = 50;

    /// <summary>CTRL-style repetition penalty (1 = none).</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Maximum number of generated tokens, when the file sets it.</summary>
    public long? MaxNewTokens { get; init; }

    /// <summary>Reads <c>DIR/generation_config.json</c>, or returns null when the folder has none.</summary>
    public static GenerationConfig? FromDirectory(string directory)
    {
        var path = Path.Combine(directory, "generation_config.json");
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }

    /// <summary>Parses and validates generation-config JSON; <paramref name="source"/> names it in errors.</summary>
    public static GenerationConfig Parse(string json, string source = "generation_config.json")
    {
        var f = JsonFields.Parse(json, source);
        var config = new GenerationConfig
        {
            BosTokenId = f.GetLongOrNull("bos_token_id"),
            EosTokenIds = f.GetIdList("eos_token_id"),
            PadTokenId = f.GetLongOrNull("pad_token_id"),
            DoSample = f.GetBool("do_sample", false),
            Temperature = f.GetDouble("temperature", 1.0),
            TopP = f.GetDouble("top_p", 1.0),
            TopK = f.GetLong("top_k", 50),
            RepetitionPenalty = f.GetDouble("repetition_penalty", 1.0),
            MaxNewTokens = f.GetLongOrNull("max_new_tokens"),
        };
        if (!(config.Temperature >= 0) || double.IsInfinity(config.Temperature))
        {
            throw f.Error("temperature", JsonFields.Num(config.Temperature), "must be a non-negative number", "use e.g. 0.7 (0 means greedy)");
        }
        if (!(config.TopP > 0 && config.TopP <= 1))
        {
            throw f.Error("top_p", JsonFields.Num(config.TopP), "must lie in (0, 1]", "use e.g. 0.8, or 1.0 to disable");
        }
        if (config.TopK < 0)
        {
            throw f.Error("top_k", config.TopK.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be ≥ 0", "use e.g. 20, or 0 to disable");
        }
        if (!(config.RepetitionPenalty > 0) || double.IsInfinity(config.RepetitionPenalty))
        {
            throw f.Error("repetition_penalty", JsonFields.Num(config.RepetitionPenalty), "must be a positive number", "use 1.0 for none");
        }
        if (config.MaxNewTokens is < 0)
        {
            throw f.Error("max_new_tokens", config.MaxNewTokens.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "must be ≥ 0", "use a positive token count");
        }
        return config;
    }
}
