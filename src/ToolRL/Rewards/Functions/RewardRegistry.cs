using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Rewards;

/// <summary>
/// Reward functions by name, so a JSON config can choose them. <see cref="Default"/> knows <c>"toolrl"</c>;
/// register your own at start-up. Names are unique: registering a taken name throws, and an unknown name
/// lists the known ones.
/// </summary>
/// <remarks>
/// Accepted config forms (<see cref="Create(JsonNode)"/>):
/// <code>
/// "toolrl"
/// {"name": "toolrl", "options": {"CORRECTMAX1": 1}}
/// [{"name": "toolrl", "weight": 1.0}, {"name": "my_reward", "weight": 0.5, "options": {...}}]
/// </code>
/// A list builds a <see cref="WeightedReward"/> (weight defaults to 1.0); <c>options</c> goes to the factory.
/// </remarks>
public sealed class RewardRegistry
{
    private readonly NamedRegistry<Func<JsonObject?, IRewardFunction>> _factories = new("reward function", "RewardRegistry.Register");

    /// <summary>The process-wide registry, with the built-ins <c>"toolrl"</c>, <c>"bfcl_ast"</c> and <c>"env_component"</c>.</summary>
    public static RewardRegistry Default { get; } = CreateWithBuiltIns();

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _factories.Names;

    /// <summary>A new registry holding the built-ins: <c>"toolrl"</c> (its options: <see cref="ToolRLRewardOptions.FromJson"/>) and
    /// <c>"bfcl_ast"</c> (<see cref="Evaluation.Bfcl.BfclAstReward"/>, no options) and <c>"env_component"</c>
    /// (<see cref="Agents.Training.EnvironmentComponentReward"/>, option <c>component</c>).</summary>
    public static RewardRegistry CreateWithBuiltIns()
    {
        var registry = new RewardRegistry();
        registry.Register(ToolRLRewardFunction.RegistryName,
            options => new ToolRLRewardFunction(options is null ? ToolRLRewardOptions.Default : ToolRLRewardOptions.FromJson(options)));
        registry.Register(Evaluation.Bfcl.BfclAstReward.RegistryName, _ => new Evaluation.Bfcl.BfclAstReward());
        registry.Register(Agents.Training.EnvironmentComponentReward.RegistryName, Agents.Training.EnvironmentComponentReward.FromOptions);
        return registry;
    }

    /// <summary>Registers <paramref name="factory"/>, which builds the function from its config <c>options</c> (null when absent).</summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public void Register(string name, Func<JsonObject?, IRewardFunction> factory) => _factories.Register(name, factory);

    /// <summary>Builds the function registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public IRewardFunction Create(string name, JsonObject? options = null) => _factories.Get(name)(options);

    /// <summary>Builds a function from a config node: a name, an object with <c>name</c>/<c>options</c>, or a weighted list.</summary>
    /// <exception cref="ArgumentException">The config has an unknown name, key or a value of the wrong type; the message names it and the fix.</exception>
    public IRewardFunction Create(JsonNode config)
    {
        ArgumentNullException.ThrowIfNull(config);
        switch (config)
        {
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                return Create(value.GetValue<string>());
            case JsonObject single:
                return CreateEntry(single, "reward").Function;
            case JsonArray list:
                var functions = list.Select((entry, i) => entry is JsonObject o
                        ? CreateEntry(o, $"reward[{i}]")
                        : throw new ArgumentException($"reward[{i}] is {entry?.ToJsonString() ?? "null"}; each entry must be an object like {{\"name\": \"toolrl\", \"weight\": 1.0}}."))
                    .ToList();
                return new WeightedReward(functions);
            default:
                throw new ArgumentException(
                    $"reward config is {config.ToJsonString()}; use a name (\"toolrl\"), an object {{\"name\": ..., \"options\": {{...}}}} or a list of such objects with weights.");
        }
    }

    private WeightedFunction CreateEntry(JsonObject entry, string where)
    {
        string? name = null;
        JsonObject? options = null;
        var weight = 1.0;
        foreach (var (key, value) in entry)
        {
            switch (key)
            {
                case "name" when value is JsonValue v && v.TryGetValue<string>(out var text):
                    name = text;
                    break;
                case "options" when value is JsonObject o:
                    options = o;
                    break;
                case "weight" when value is JsonValue v && v.TryGetValue<double>(out var w):
                    weight = w;
                    break;
                case "name" or "options" or "weight":
                    throw new ArgumentException(
                        $"{where}.{key} is {value?.ToJsonString() ?? "null"}; name must be a string, options an object, weight a number.");
                default:
                    throw new ArgumentException($"{where} has unknown key '{key}'; allowed keys are name, weight, options.");
            }
        }
        if (name is null)
        {
            throw new ArgumentException($"{where} has no \"name\"; add one of: {string.Join(", ", Names)}.");
        }
        return new WeightedFunction(Create(name, options), weight);
    }
}
