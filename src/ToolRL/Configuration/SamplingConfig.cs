using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>Rollout sampling (<c>sampling</c> section); verl's rollout defaults (temperature 1, top_p 1, top_k off).</summary>
public sealed record SamplingConfig
{
    /// <summary><c>temperature</c> for training rollouts; log-probs are computed on logits / temperature (default 1.0).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary><c>top_p</c> nucleus threshold in (0, 1] (default 1.0 = off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary><c>top_k</c>: keep the k most likely tokens (−1 or 0 = off; default −1).</summary>
    public int TopK { get; init; } = -1;

    /// <summary><c>val_greedy</c>: validation decodes greedily (temperature 0, n = 1), as verl's val_kwargs (default true).</summary>
    public bool ValGreedy { get; init; } = true;

    internal static SamplingConfig Read(JsonSection s)
    {
        var d = new SamplingConfig();
        var config = new SamplingConfig
        {
            Temperature = s.Double("temperature", d.Temperature, v => v > 0 && v <= 10, "must be in (0, 10] (greedy training rollouts would give identical group members)",
                "set temperature to e.g. 1.0"),
            TopP = s.Double("top_p", d.TopP, v => v > 0 && v <= 1, "must be in (0, 1]", "set top_p to e.g. 1.0 (off) or 0.9"),
            TopK = s.Int("top_k", d.TopK, -1, "must be −1/0 (off) or ≥ 1", "set top_k to -1 (off) or e.g. 50"),
            ValGreedy = s.Bool("val_greedy", d.ValGreedy),
        };
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson() => new()
    {
        ["temperature"] = Temperature,
        ["top_p"] = TopP,
        ["top_k"] = TopK,
        ["val_greedy"] = ValGreedy,
    };
}
