using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Tokenization;

namespace ToolRL.Training;

/// <summary>
/// A configuration for <see cref="TrainingRequest.Config"/>: a <see cref="TrainingConfig"/> object or the path of a
/// JSON configuration file (read and validated by <see cref="TrainingConfig.Load"/>). Converts implicitly from both.
/// </summary>
public sealed class ConfigSource
{
    private ConfigSource(TrainingConfig? config, string? path)
    {
        Config = config;
        Path = path;
    }

    /// <summary>The configuration object, or null when given by <see cref="Path"/>.</summary>
    public TrainingConfig? Config { get; }

    /// <summary>The JSON file, or null when given as an object.</summary>
    public string? Path { get; }

    /// <summary>The configuration <paramref name="config"/>.</summary>
    public static implicit operator ConfigSource(TrainingConfig config) => new(config ?? throw new ArgumentNullException(nameof(config)), null);

    /// <summary>The JSON configuration file at <paramref name="path"/>.</summary>
    public static implicit operator ConfigSource(string path) => new(null, ThrowIfEmpty(path, "a configuration file, e.g. \"configs/grpo-tiny.json\""));

    /// <summary>The configuration: the object, or the file read and validated.</summary>
    /// <exception cref="ConfigurationException">The file is not a valid configuration.</exception>
    public TrainingConfig Load() => Config ?? TrainingConfig.Load(Path!);

    internal static string ThrowIfEmpty(string? path, string example) =>
        string.IsNullOrWhiteSpace(path) ? throw new ArgumentException($"the path is empty; pass {example}", nameof(path)) : path;
}

/// <summary>
/// The policy for <see cref="TrainingRequest.Model"/>: a <see cref="Qwen2ForCausalLM"/> in memory (trained in place,
/// never disposed by the trainer) or the folder of a Hugging Face model (config.json and safetensors, as
/// <c>model.base_model</c>; its tokenizer comes along unless <see cref="TrainingRequest.Tokenizer"/> says otherwise).
/// Converts implicitly from both.
/// </summary>
public sealed class ModelSource
{
    private ModelSource(Qwen2ForCausalLM? model, string? folder)
    {
        Model = model;
        Folder = folder;
    }

    /// <summary>The model object, or null when given by <see cref="Folder"/>.</summary>
    public Qwen2ForCausalLM? Model { get; }

    /// <summary>The Hugging Face folder, or null when given as an object.</summary>
    public string? Folder { get; }

    /// <summary>The model <paramref name="model"/>.</summary>
    public static implicit operator ModelSource(Qwen2ForCausalLM model) => new(model ?? throw new ArgumentNullException(nameof(model)), null);

    /// <summary>The Hugging Face model folder <paramref name="folder"/> (e.g. a previous run's <see cref="TrainingRunResult.ModelDirectory"/>).</summary>
    public static implicit operator ModelSource(string folder) => new(null, ConfigSource.ThrowIfEmpty(folder, "a Hugging Face model folder holding config.json"));
}

/// <summary>
/// The tokenizer for <see cref="TrainingRequest.Tokenizer"/>: a <see cref="Qwen2Tokenizer"/> in memory or a folder
/// holding tokenizer.json (as <c>tokenizer.path</c>). Converts implicitly from both.
/// </summary>
public sealed class TokenizerSource
{
    private TokenizerSource(Qwen2Tokenizer? tokenizer, string? folder)
    {
        Tokenizer = tokenizer;
        Folder = folder;
    }

    /// <summary>The tokenizer object, or null when given by <see cref="Folder"/>.</summary>
    public Qwen2Tokenizer? Tokenizer { get; }

    /// <summary>The tokenizer folder, or null when given as an object.</summary>
    public string? Folder { get; }

    /// <summary>The tokenizer <paramref name="tokenizer"/>.</summary>
    public static implicit operator TokenizerSource(Qwen2Tokenizer tokenizer) => new(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), null);

    /// <summary>The tokenizer folder <paramref name="folder"/>.</summary>
    public static implicit operator TokenizerSource(string folder) => new(null, ConfigSource.ThrowIfEmpty(folder, "a folder holding tokenizer.json"));
}

/// <summary>
/// Prompts for <see cref="TrainingRequest.TrainData"/> / <see cref="TrainingRequest.ValData"/>: rows in memory (an
/// <see cref="RlDataset"/>, an array or a list of <see cref="RlRow"/>) or the path of a parquet, JSON Lines or JSON file
/// in verl's layout (as <c>data.train_files</c> / <c>data.val_files</c>). Converts implicitly from each.
/// </summary>
public sealed class DataSource
{
    private DataSource(IReadOnlyList<RlRow>? rows, string? path)
    {
        Rows = rows;
        Path = path;
    }

    /// <summary>The rows, or null when given by <see cref="Path"/>.</summary>
    public IReadOnlyList<RlRow>? Rows { get; }

    /// <summary>The data file, or null when given as rows.</summary>
    public string? Path { get; }

    /// <summary>The rows of <paramref name="rows"/>.</summary>
    public static DataSource FromRows(IEnumerable<RlRow> rows) => new([.. rows ?? throw new ArgumentNullException(nameof(rows))], null);

    /// <summary>The usable rows of <paramref name="dataset"/>.</summary>
    public static implicit operator DataSource(RlDataset dataset) => FromRows((dataset ?? throw new ArgumentNullException(nameof(dataset))).Rows);

    /// <summary>The rows <paramref name="rows"/>.</summary>
    public static implicit operator DataSource(RlRow[] rows) => FromRows(rows);

    /// <summary>The rows <paramref name="rows"/>.</summary>
    public static implicit operator DataSource(List<RlRow> rows) => FromRows(rows);

    /// <summary>The data file at <paramref name="path"/>.</summary>
    public static implicit operator DataSource(string path) => new(null, ConfigSource.ThrowIfEmpty(path, "a parquet or JSON Lines file in verl's layout"));
}

/// <summary>
/// One weighted term of the reward (total = Σ weight · value, TRL's <c>reward_funcs</c> with <c>reward_weights</c>): a
/// function registered by name in <see cref="RewardRegistry.Default"/> (e.g. <c>"toolrl"</c>, with its config
/// <c>options</c>), or your own <see cref="IRewardFunction"/> instance, recorded in the run's configuration under its
/// <see cref="IRewardFunction.Name"/>. A string converts implicitly (weight 1).
/// </summary>
/// <example><c>Rewards = ["toolrl", new(new MyReward(), 0.5)]</c></example>
public sealed class RewardTerm
{
    /// <summary>The registered function <paramref name="name"/> with <paramref name="weight"/> and its config <paramref name="options"/>.</summary>
    public RewardTerm(string name, double weight = 1.0, JsonObject? options = null)
    {
        Name = ConfigSource.ThrowIfEmpty(name, "a registered reward name, e.g. \"toolrl\"");
        Weight = CheckWeight(weight);
        Options = options;
    }

    /// <summary>Your own <paramref name="function"/> with <paramref name="weight"/>.</summary>
    public RewardTerm(IRewardFunction function, double weight = 1.0)
    {
        Function = function ?? throw new ArgumentNullException(nameof(function));
        Name = ConfigSource.ThrowIfEmpty(function.Name, "a reward function whose Name is set (it names the rewards/NAME/mean metrics)");
        Weight = CheckWeight(weight);
    }

    /// <summary>The function's name (registry name, or the instance's <see cref="IRewardFunction.Name"/>).</summary>
    public string Name { get; }

    /// <summary>Its weight in the total.</summary>
    public double Weight { get; }

    /// <summary>The registered function's options (null: its defaults; for <c>toolrl</c>, the config's <c>reward.toolrl</c> switches).</summary>
    public JsonObject? Options { get; }

    /// <summary>The instance, or null for a registered function.</summary>
    public IRewardFunction? Function { get; }

    /// <summary>The registered function <paramref name="name"/> with weight 1.</summary>
    public static implicit operator RewardTerm(string name) => new(name);

    private static double CheckWeight(double weight) => double.IsFinite(weight)
        ? weight
        : throw new ArgumentOutOfRangeException(nameof(weight), weight, "a reward weight must be a finite number, e.g. 0.5");
}
