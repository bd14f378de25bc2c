using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>
/// A multi-turn agent run (<c>environment</c> section): the trajectories are played in a registered environment
/// (<c>name</c>, its <c>options</c>) by the agent loop instead of single-turn generation; <c>max_response_length</c>
/// is each trajectory's token budget (generated and inserted tokens). See docs/agents.md.
/// </summary>
public sealed record EnvironmentConfig
{
    /// <summary><c>name</c> in the environment registry (default "retail", the demo shop).</summary>
    public string Name { get; init; } = "retail";

    /// <summary><c>options</c> handed to the environment factory as they are (null = its defaults).</summary>
    public JsonObject? Options { get; init; }

    /// <summary><c>max_assistant_turns</c> per trajectory (default 6).</summary>
    public int MaxAssistantTurns { get; init; } = 6;

    /// <summary><c>stop_at_tool_call_end</c>: a turn also ends at &lt;/tool_call&gt; (one call per turn; default false).</summary>
    public bool StopAtToolCallEnd { get; init; }

    /// <summary>
    /// <c>asynchronous_tools</c>: a row waiting on its tools sits out while the other rows keep decoding (default false:
    /// observations enter at the next decoding step, so a run is reproducible from its seed).
    /// </summary>
    public bool AsynchronousTools { get; init; }

    /// <summary><c>reward_weight</c>: weight of the environment's score in the trajectory reward (default 1).</summary>
    public double RewardWeight { get; init; } = 1.0;

    /// <summary><c>use_reward_functions</c>: add the <c>reward</c> section's functions to the environment's score (default false).</summary>
    public bool UseRewardFunctions { get; init; }

    /// <summary><c>eval_trials</c>: trials per held-out task, so pass^k and pass@k are reported for k = 1..eval_trials (default 4).</summary>
    public int EvalTrials { get; init; } = 4;

    /// <summary><c>eval_temperature</c> of the held-out trials (default 1.0; tau2 samples, it does not decode greedily).</summary>
    public double EvalTemperature { get; init; } = 1.0;

    /// <summary><c>mcp_servers</c>: MCP servers started over stdio for the run, whose tools join the environment's.</summary>
    public IReadOnlyList<McpServerConfig> McpServers { get; init; } = [];

    internal static EnvironmentConfig Read(JsonSection s)
    {
        var d = new EnvironmentConfig();
        var config = new EnvironmentConfig
        {
            Name = s.String("name", d.Name, v => v.Length > 0, "must be a non-empty name", "set environment.name to a registered environment, e.g. \"retail\""),
            Options = s.Object("options")?.DeepClone().AsObject(),
            MaxAssistantTurns = s.Int("max_assistant_turns", d.MaxAssistantTurns, 1, "must be at least 1", "set environment.max_assistant_turns to e.g. 6"),
            StopAtToolCallEnd = s.Bool("stop_at_tool_call_end", d.StopAtToolCallEnd),
            AsynchronousTools = s.Bool("asynchronous_tools", d.AsynchronousTools),
            RewardWeight = s.Double("reward_weight", d.RewardWeight, v => v >= 0 && double.IsFinite(v), "must be ≥ 0", "set environment.reward_weight to e.g. 1.0"),
            UseRewardFunctions = s.Bool("use_reward_functions", d.UseRewardFunctions),
            EvalTrials = s.Int("eval_trials", d.EvalTrials, 1, "must be at least 1", "set environment.eval_trials to e.g. 4"),
            EvalTemperature = s.Double("eval_temperature", d.EvalTemperature, v => v >= 0 && double.IsFinite(v), "must be ≥ 0", "set environment.eval_temperature to e.g. 1.0"),
            McpServers = [.. s.SectionList("mcp_servers", "give a list of servers, e.g. [{\"command\": \"dotnet\", \"args\": [\"server.dll\"]}]").Select(McpServerConfig.Read)],
        };
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["name"] = Name,
            ["max_assistant_turns"] = MaxAssistantTurns,
            ["stop_at_tool_call_end"] = StopAtToolCallEnd,
            ["asynchronous_tools"] = AsynchronousTools,
            ["reward_weight"] = RewardWeight,
            ["use_reward_functions"] = UseRewardFunctions,
            ["eval_trials"] = EvalTrials,
            ["eval_temperature"] = EvalTemperature,
            ["mcp_servers"] = new JsonArray([.. McpServers.Select(m => (JsonNode?)m.ToJson())]),
        };
        if (Options is not null)
        {
            o["options"] = Options.DeepClone();
        }
        return o;
    }
}

/// <summary>One MCP server of <c>environment.mcp_servers</c>, started over stdio by the trainer and stopped at the end.</summary>
public sealed record McpServerConfig
{
    /// <summary><c>command</c>: the executable (required).</summary>
    public string Command { get; init; } = "";

    /// <summary><c>args</c>: its arguments.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary><c>name</c>: a label for logs (default: the command's file name).</summary>
    public string? Name { get; init; }

    internal static McpServerConfig Read(JsonSection s)
    {
        var config = new McpServerConfig
        {
            Command = s.String("command", "", v => v.Length > 0, "must be a non-empty command", "set command to the server's executable, e.g. \"dotnet\""),
            Args = s.StringList("args", "give the arguments as a list of strings"),
            Name = s.OptionalString("name", v => v.Length > 0, "must be non-empty", "remove name or give a label"),
        };
        if (!s.Has("command"))
        {
            s.Error("command", "missing", "add \"command\": the server's executable");
        }
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson()
    {
        var o = new JsonObject { ["command"] = Command, ["args"] = new JsonArray([.. Args.Select(a => (JsonNode?)a)]) };
        if (Name is not null)
        {
            o["name"] = Name;
        }
        return o;
    }
}
