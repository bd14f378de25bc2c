using System.Text.Json.Nodes;
using ToolRL.Rewards;

namespace ToolRL.Configuration;

/// <summary>
/// The reward (<c>reward</c> section): reward functions by registry name with weights (total = Σ weight·value),
/// and the ToolRL switches under their reference names (<c>"toolrl": {"CORRECTMAX1": 1, "WITHLENGTH": 0, ...}</c>).
/// </summary>
public sealed record RewardConfig
{
    /// <summary>The default reward: the built-in ToolRL reward with weight 1.</summary>
    public static readonly IReadOnlyList<RewardFunctionSpec> DefaultFunctions = [new RewardFunctionSpec("toolrl", 1.0)];

    private readonly string? _toolRLSwitchesJson;

    /// <summary><c>functions</c>: <c>[{"name": "toolrl", "weight": 1.0}, ...]</c>.</summary>
    public IReadOnlyList<RewardFunctionSpec> Functions { get; init; } = DefaultFunctions;

    /// <summary>
    /// <c>toolrl</c>: the ToolRL switches as written (validated by <c>ToolRL.Rewards.ToolRLRewardOptions.FromJson</c>);
    /// null = the reference defaults (every switch 0). Each read returns a fresh copy.
    /// </summary>
    public JsonObject? ToolRLSwitches
    {
        get => _toolRLSwitchesJson is null ? null : JsonNode.Parse(_toolRLSwitchesJson)!.AsObject();
        init => _toolRLSwitchesJson = value?.ToJsonString();
    }

    /// <summary>The ToolRL reward switches parsed (reference defaults when <c>toolrl</c> is absent).</summary>
    public ToolRLRewardOptions ToolRLOptions => ToolRLSwitches is { } switches ? ToolRLRewardOptions.FromJson(switches) : ToolRLRewardOptions.Default;

    /// <summary>
    /// The options to build <paramref name="function"/> with from a <c>RewardRegistry</c>: its own <c>options</c>,
    /// or for the built-in <c>toolrl</c> the <c>reward.toolrl</c> switches.
    /// </summary>
    public JsonObject? OptionsFor(RewardFunctionSpec function) =>
        function.Options ?? (function.Name == ToolRLRewardFunction.RegistryName ? ToolRLSwitches : null);

    internal static RewardConfig Read(JsonSection s)
    {
        var functions = new List<RewardFunctionSpec>();
        var errorsBefore = s.Errors.Count;
        const string Fix = "write functions as [{\"name\": \"toolrl\", \"weight\": 1.0}]";
        foreach (var item in s.SectionList("functions", Fix))
        {
            var name = item.OptionalString("name", n => n.Length > 0, "must not be empty", "set name to a registered reward function, e.g. \"toolrl\"");
            if (!item.Has("name"))
            {
                item.Errors.Add(item.PathOf("name"), null, "missing reward function name", "add \"name\": \"toolrl\" (or another registered reward)");
            }
            var weight = item.Double("weight", 1.0, double.IsFinite, "must be a finite number", "set weight to e.g. 1.0");
            var options = item.Object("options");
            if (options is not null && name == ToolRLRewardFunction.RegistryName)
            {
                ValidateToolRLSwitches(item, "options", options);
            }
            item.RejectUnknownKeys();
            if (name is not null)
            {
                functions.Add(new RewardFunctionSpec(name, weight) { Options = options });
            }
        }
        if (s.Has("functions") && functions.Count == 0 && s.Errors.Count == errorsBefore)
        {
            s.Error("functions", "the list is empty", "list at least one reward function, e.g. [{\"name\": \"toolrl\", \"weight\": 1.0}]");
        }
        var duplicate = functions.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            s.Error("functions", $"reward function \"{duplicate.Key}\" is listed twice", "list each reward function once and combine weights");
        }
        var switches = s.Object("toolrl");
        if (switches is not null)
        {
            ValidateToolRLSwitches(s, "toolrl", switches);
            if (functions.Any(f => f.Name == ToolRLRewardFunction.RegistryName && f.Options is not null))
            {
                s.Error("toolrl", "the ToolRL switches are given twice (here and in the toolrl function's options)", "keep them in reward.toolrl only");
            }
        }
        var config = new RewardConfig
        {
            Functions = s.Has("functions") ? functions : DefaultFunctions,
            ToolRLSwitches = switches,
        };
        s.RejectUnknownKeys();
        return config;
    }

    // Each switch is checked on its own, so every bad one is reported at its own path with its value, and a
    // misspelt name gets the closest valid one (the parsing itself belongs to the rewards area).
    private static void ValidateToolRLSwitches(JsonSection s, string key, JsonObject switches)
    {
        var section = new JsonSection(switches, s.PathOf(key), s.Errors);
        foreach (var name in ToolRLRewardOptions.JsonKeys)
        {
            if (!section.Has(name))
            {
                continue;
            }
            try
            {
                ToolRLRewardOptions.FromJson(new JsonObject { [name] = switches[name]!.DeepClone() });
            }
            catch (ArgumentException e)
            {
                if (RewardSwitch.Find(name) is not null)
                {
                    section.Error(name, "a switch is 0 or 1 (or false/true)", $"write \"{name}\": 1 to turn it on or 0 to leave it off");
                }
                else
                {
                    section.Error(name, e.Message.Split(" (Parameter")[0].TrimEnd('.'), "see docs/configuration.md, section reward");
                }
            }
        }
        section.RejectUnknownKeys();
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["functions"] = new JsonArray(Functions.Select(f => (JsonNode)f.ToJson()).ToArray()),
        };
        if (ToolRLSwitches is { } switches)
        {
            o["toolrl"] = switches;
        }
        return o;
    }
}

/// <summary>One weighted reward function (<c>reward.functions[i]</c>).</summary>
/// <param name="Name">Registry name, e.g. <c>toolrl</c>.</param>
/// <param name="Weight">Weight in the total reward.</param>
public sealed record RewardFunctionSpec(string Name, double Weight)
{
    private readonly string? _optionsJson;

    /// <summary><c>options</c> passed to the function's registry factory (a fresh copy per read; null = none).</summary>
    public JsonObject? Options
    {
        get => _optionsJson is null ? null : JsonNode.Parse(_optionsJson)!.AsObject();
        init => _optionsJson = value?.ToJsonString();
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject { ["name"] = Name, ["weight"] = Weight };
        if (Options is { } options)
        {
            o["options"] = options;
        }
        return o;
    }
}
