using System.Text.Json.Nodes;
using ToolRL.Data;

namespace ToolRL.Configuration;

/// <summary>
/// Training and validation prompts (<c>data</c> section): files (<c>train_files</c>, <c>val_files</c>; jsonl,
/// json or parquet in the rlla schema) or generated <c>synthetic</c> tool-calling data. Exactly one source.
/// </summary>
public sealed record DataConfig
{
    /// <summary><c>train_files</c>: one path or a list (relative to the working directory).</summary>
    public IReadOnlyList<string> TrainFiles { get; init; } = [];

    /// <summary><c>val_files</c>: held-out prompts for validation (greedy decoding).</summary>
    public IReadOnlyList<string> ValFiles { get; init; } = [];

    /// <summary><c>synthetic</c>: generate the data instead of reading files.</summary>
    public SyntheticDataSpec? Synthetic { get; init; }

    /// <summary><c>invalid_rows</c>: <c>skip</c> (count and report, default) or <c>error</c> (alias <c>fail</c>).</summary>
    public InvalidRowPolicy InvalidRows { get; init; } = InvalidRowPolicy.Skip;

    /// <summary><c>truncation</c> of prompts longer than max_prompt_length: <c>error</c> (invalid row, default as verl), <c>left</c>, <c>right</c>.</summary>
    public PromptTruncation Truncation { get; init; } = PromptTruncation.Error;

    /// <summary><c>shuffle</c>: shuffle training prompts each epoch with the run's seed (default true, as verl).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary><c>max_val_samples</c>: use at most this many validation prompts (null = all).</summary>
    public int? MaxValSamples { get; init; }

    /// <summary>True when some validation source is configured.</summary>
    public bool HasValidation => ValFiles.Count > 0 || Synthetic is { ValCount: > 0 };

    internal static DataConfig Read(JsonSection s)
    {
        var d = new DataConfig();
        const string FilesFix = "give a path or a list of paths to jsonl/json/parquet files, e.g. [\"data/train.jsonl\"]";
        var syntheticSection = s.Section("synthetic");
        var config = new DataConfig
        {
            TrainFiles = s.StringList("train_files", FilesFix),
            ValFiles = s.StringList("val_files", FilesFix),
            Synthetic = syntheticSection is null ? null : SyntheticDataSpec.Read(syntheticSection),
            InvalidRows = s.Enum("invalid_rows", d.InvalidRows, ConfigEnumNames.InvalidRows, "set invalid_rows to \"skip\" or \"error\""),
            Truncation = s.Enum("truncation", d.Truncation, ConfigEnumNames.Truncation, "set truncation to \"error\", \"left\" or \"right\""),
            Shuffle = s.Bool("shuffle", d.Shuffle),
            MaxValSamples = s.OptionalInt("max_val_samples", 1, "must be at least 1", "remove max_val_samples to use every validation row, or set it ≥ 1"),
        };
        if (config.Synthetic is not null && (config.TrainFiles.Count > 0 || config.ValFiles.Count > 0))
        {
            s.Error("synthetic", "both synthetic and train_files/val_files are given", "keep either the files or the synthetic spec");
        }
        else if (config.Synthetic is null && config.TrainFiles.Count == 0)
        {
            s.Errors.Add(s.PathOf("train_files"), null, "no training data given",
                "add \"train_files\": [\"path/to/train.jsonl\"] or \"synthetic\": { \"train_count\": 2000, \"val_count\": 100 }");
        }
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["train_files"] = new JsonArray(TrainFiles.Select(f => (JsonNode)f).ToArray()),
            ["val_files"] = new JsonArray(ValFiles.Select(f => (JsonNode)f).ToArray()),
        };
        if (Synthetic is not null)
        {
            o.Remove("train_files");
            o.Remove("val_files");
            o["synthetic"] = Synthetic.ToJson();
        }
        o["invalid_rows"] = ConfigEnumNames.InvalidRows.Name(InvalidRows);
        o["truncation"] = ConfigEnumNames.Truncation.Name(Truncation);
        o["shuffle"] = Shuffle;
        if (MaxValSamples is { } max)
        {
            o["max_val_samples"] = max;
        }
        return o;
    }
}

/// <summary>Generated tool-calling data (<c>data.synthetic</c>): counts and the generator's seed.</summary>
public sealed record SyntheticDataSpec
{
    /// <summary><c>train_count</c>: training prompts (default 2000).</summary>
    public int TrainCount { get; init; } = 2000;

    /// <summary><c>val_count</c>: held-out prompts (default 100).</summary>
    public int ValCount { get; init; } = 100;

    /// <summary><c>seed</c> of the generator (default 1234; independent of the run's seed so data stay fixed).</summary>
    public int Seed { get; init; } = 1234;

    /// <summary><c>preset</c>: task difficulty, <c>tiny</c>, <c>default</c> (default) or <c>hard</c>.</summary>
    public SyntheticPreset Preset { get; init; } = SyntheticPreset.Default;

    /// <summary>
    /// <c>instructions</c>: the system prompt's text, <c>minimal</c>, <c>compact</c> or <c>full</c>; null (absent)
    /// keeps the preset's own (compact for tiny and default, full for hard).
    /// </summary>
    public SyntheticInstructions? Instructions { get; init; }

    /// <summary>
    /// <c>train_values</c>: value ranges of the training rows, <c>typical</c> (default) or <c>wide</c>
    /// (<see cref="SyntheticValueRange"/>); held-out rows always use the typical ranges.
    /// </summary>
    public SyntheticValueRange TrainValues { get; init; } = SyntheticValueRange.Typical;

    /// <summary>The generator options of <see cref="Preset"/>, with <see cref="Instructions"/> when set and <see cref="TrainValues"/>.</summary>
    public SyntheticTaskOptions TaskOptions
    {
        get
        {
            var preset = Preset switch
            {
                SyntheticPreset.Tiny => SyntheticTaskOptions.Tiny,
                SyntheticPreset.Hard => SyntheticTaskOptions.Hard,
                _ => SyntheticTaskOptions.Default,
            };
            var options = Instructions is { } instructions ? preset with { Instructions = instructions } : preset;
            return TrainValues == SyntheticValueRange.Typical ? options : options with { TrainValues = TrainValues };
        }
    }

    internal static SyntheticDataSpec Read(JsonSection s)
    {
        var d = new SyntheticDataSpec();
        var spec = new SyntheticDataSpec
        {
            TrainCount = s.Int("train_count", d.TrainCount, 1, "must be at least 1", "set train_count to e.g. 2000"),
            ValCount = s.Int("val_count", d.ValCount, 0, "must be ≥ 0", "set val_count to e.g. 100 (0 disables validation)"),
            Seed = s.Int("seed", d.Seed, int.MinValue, "", "set seed to a whole number"),
            Preset = s.Enum("preset", d.Preset, ConfigEnumNames.SyntheticPreset, "set preset to \"tiny\", \"default\" or \"hard\""),
            Instructions = s.Has("instructions")
                ? s.Enum("instructions", SyntheticInstructions.Compact, ConfigEnumNames.SyntheticInstructions, "set instructions to \"minimal\", \"compact\" or \"full\", or leave it out for the preset's own")
                : null,
            TrainValues = s.Enum("train_values", d.TrainValues, ConfigEnumNames.SyntheticValueRange, "set train_values to \"typical\" or \"wide\""),
        };
        s.RejectUnknownKeys();
        return spec;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["train_count"] = TrainCount,
            ["val_count"] = ValCount,
            ["seed"] = Seed,
            ["preset"] = ConfigEnumNames.SyntheticPreset.Name(Preset),
        };
        if (Instructions is { } instructions)
        {
            o["instructions"] = ConfigEnumNames.SyntheticInstructions.Name(instructions);
        }
        if (TrainValues != SyntheticValueRange.Typical)
        {
            // Written only when set, so the resolved configuration of earlier runs is unchanged.
            o["train_values"] = ConfigEnumNames.SyntheticValueRange.Name(TrainValues);
        }
        return o;
    }
}
