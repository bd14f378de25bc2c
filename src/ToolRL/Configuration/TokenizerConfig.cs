using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>
/// The tokenizer (<c>tokenizer</c> section): a Hugging Face tokenizer folder (<c>path</c>, defaulting to
/// <c>model.base_model</c>) or a byte-level BPE trained on the training data (<c>train_bpe</c>). Exactly one.
/// </summary>
public sealed record TokenizerConfig
{
    /// <summary><c>path</c>: folder holding tokenizer.json (+ tokenizer_config.json).</summary>
    public string? Path { get; init; }

    /// <summary><c>train_bpe</c>: train a small BPE on the training data before anything else.</summary>
    public BpeTrainingSpec? TrainBpe { get; init; }

    internal static TokenizerConfig Read(JsonSection s)
    {
        var path = s.OptionalString("path", p => p.Length > 0, "must not be empty", "set path to a folder holding tokenizer.json");
        var bpeSection = s.Section("train_bpe");
        var config = new TokenizerConfig { Path = path, TrainBpe = bpeSection is null ? null : BpeTrainingSpec.Read(bpeSection) };
        if (s.Has("path") && bpeSection is not null)
        {
            s.Error("train_bpe", "both path and train_bpe are given", "keep path (an existing tokenizer) or train_bpe (train one), not both");
        }
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject();
        if (Path is not null)
        {
            o["path"] = Path;
        }
        if (TrainBpe is not null)
        {
            o["train_bpe"] = TrainBpe.ToJson();
        }
        return o;
    }
}

/// <summary>Training spec of a byte-level BPE tokenizer (<c>tokenizer.train_bpe</c>).</summary>
public sealed record BpeTrainingSpec
{
    /// <summary><c>vocab_size</c> including the 256 byte tokens and the special tokens (default 1024).</summary>
    public int VocabSize { get; init; } = 1024;

    /// <summary><c>min_frequency</c>: a pair must occur this often to be merged (default 2).</summary>
    public int MinFrequency { get; init; } = 2;

    internal static BpeTrainingSpec Read(JsonSection s)
    {
        var d = new BpeTrainingSpec();
        var spec = new BpeTrainingSpec
        {
            VocabSize = s.Int("vocab_size", d.VocabSize, 300, "must be at least 300 (256 bytes + special tokens + merges)", "set vocab_size to e.g. 1024"),
            MinFrequency = s.Int("min_frequency", d.MinFrequency, 1, "must be at least 1", "set min_frequency to e.g. 2"),
        };
        s.RejectUnknownKeys();
        return spec;
    }

    internal JsonObject ToJson() => new() { ["vocab_size"] = VocabSize, ["min_frequency"] = MinFrequency };
}
