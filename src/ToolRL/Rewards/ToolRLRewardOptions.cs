using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Rewards;

/// <summary>
/// Every switch of the reference reward (rlla.py's <c>os.getenv</c> flags; docs/rewards.md, Switches). All are off by default, which is what the
/// reference's training scripts run. A switch is named after the reference's environment variable in
/// JSON configs (<c>"CORRECTMAX1": 1</c>) and read from that variable by <see cref="FromEnvironment"/>.
/// </summary>
/// <example>
/// <code>
/// var options = ToolRLRewardOptions.Default with { CorrectMax1 = true, WithLength = true };
/// var fromConfig = ToolRLRewardOptions.FromJson(JsonNode.Parse("""{"CORRECTMAX1": 1}""")!.AsObject());
/// </code>
/// </example>
public sealed record ToolRLRewardOptions
{
    /// <summary>All switches off, Qwen chat format.</summary>
    public static ToolRLRewardOptions Default { get; } = new();

    /// <summary>CORRECTMAX1 (§5.2): correctness bounds ±1 instead of ±3.</summary>
    public bool CorrectMax1 { get; init; }

    /// <summary>WITHLENGTH (§5.1): add the length reward (otherwise the length component is 0).</summary>
    public bool WithLength { get; init; }

    /// <summary>SCHEDULELENGTH (§5.1): target length <c>384 + 256·step/105</c> words instead of 512; only matters with <see cref="WithLength"/>.</summary>
    public bool ScheduleLength { get; init; }

    /// <summary>
    /// REFINEDREWARD (§5.3): name and key lists must match exactly and in order (all or nothing). Despite the
    /// README's "fine-grained" label, the code makes matching stricter.
    /// </summary>
    public bool RefinedReward { get; init; }

    /// <summary>COARSEREWARD (§5.3): correctness is cmax on an exact match of all calls, else cmin.</summary>
    public bool CoarseReward { get; init; }

    /// <summary>INTERMEDIATEREWARD (§5.3): a GT call scores 1 only when a same-name predicted call equals it entirely; no per-parameter credit.</summary>
    public bool IntermediateReward { get; init; }

    /// <summary>MAX1STEP30MAX3 (§5.2): correctness bounds /3 before step 30, format bounds /2 from step 30.</summary>
    public bool Max1Step30Max3 { get; init; }

    /// <summary>SCHEDULEREWARD (§5.2): format and correctness bounds move linearly over 150 steps (format min starts at −2).</summary>
    public bool ScheduleReward { get; init; }

    /// <summary>STRICTMATCH: exported by the reference's scripts but never read; accepted for compatibility, no effect.</summary>
    public bool StrictMatch { get; init; }

    /// <summary>The chat template used to cut the assistant turn out of a decoded conversation.</summary>
    public ChatFormat ChatFormat { get; init; } = ChatFormat.Qwen;

    /// <summary>
    /// Reads the reference's environment variables. As in the reference, a switch is on only when its value is
    /// exactly <c>"1"</c>. <c>EXPERIMENT_NAME</c> picks the chat format (<c>llama</c> checked first, then
    /// <c>qwen</c>); unset means Qwen, any other value is refused as the reference refuses it.
    /// </summary>
    /// <param name="getVariable">Reads a variable; <see cref="Environment.GetEnvironmentVariable(string)"/> when null.</param>
    public static ToolRLRewardOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = new ToolRLRewardOptions();
        foreach (var flag in RewardSwitch.All)
        {
            if (getVariable(flag.Name) == "1")
            {
                options = flag.With(options, true);
            }
        }
        var experiment = getVariable("EXPERIMENT_NAME");
        return string.IsNullOrEmpty(experiment)
            ? options
            : options with { ChatFormat = ChatFormatFromExperimentName(experiment, "environment variable EXPERIMENT_NAME") };
    }

    /// <summary>
    /// Reads a JSON config section. Keys are the reference names (<c>"CORRECTMAX1"</c>) or the property names
    /// in camelCase (<c>"correctMax1"</c>); values are 0/1 or false/true. <c>"chatFormat"</c> takes
    /// <c>"qwen"</c> or <c>"llama3"</c>; <c>"EXPERIMENT_NAME"</c> takes a reference experiment name.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown key or a bad value; the message names the key, the value and the fix.</exception>
    public static ToolRLRewardOptions FromJson(JsonObject section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var options = new ToolRLRewardOptions();
        foreach (var (key, value) in section)
        {
            var flag = RewardSwitch.Find(key);
            if (flag is not null)
            {
                options = flag.With(options, ReadSwitch(key, value));
            }
            else if (key is "chatFormat" or "chat_format")
            {
                options = options with { ChatFormat = ReadChatFormat(key, value) };
            }
            else if (key == "EXPERIMENT_NAME")
            {
                options = options with { ChatFormat = ChatFormatFromExperimentName(ReadString(key, value), "reward option EXPERIMENT_NAME") };
            }
            else
            {
                throw new ArgumentException(
                    $"unknown reward option '{key}'. Valid keys: {string.Join(", ", RewardSwitch.All.Select(s => s.Name))}, " +
                    "their camelCase property names, chatFormat, EXPERIMENT_NAME.", nameof(section));
            }
        }
        return options;
    }

    /// <summary>Every key <see cref="FromJson"/> reads: the reference names, the camelCase property names and the chat format.</summary>
    internal static IReadOnlyList<string> JsonKeys { get; } =
    [
        .. RewardSwitch.All.Select(s => s.Name),
        .. RewardSwitch.All.Select(s => s.PropertyName),
        "chatFormat", "chat_format", "EXPERIMENT_NAME",
    ];

    /// <summary>The switches under their reference names with 0/1 values, plus <c>chatFormat</c>; <see cref="FromJson"/> reads it back.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var flag in RewardSwitch.All)
        {
            json[flag.Name] = flag.Get(this) ? 1 : 0;
        }
        json["chatFormat"] = ChatFormat == ChatFormat.Qwen ? "qwen" : "llama3";
        return json;
    }

    /// <summary>
    /// The chat format the reference derives from an experiment name: <c>llama</c> (checked first), then
    /// <c>qwen</c>, case-sensitive as in the reference.
    /// </summary>
    /// <exception cref="ArgumentException">The name contains neither; the reference raises NotImplementedError there.</exception>
    public static ChatFormat ChatFormatFromExperimentName(string experimentName, string source = "experiment name")
    {
        if (experimentName.Contains("llama", StringComparison.Ordinal))
        {
            return ChatFormat.Llama3;
        }
        if (experimentName.Contains("qwen", StringComparison.Ordinal))
        {
            return ChatFormat.Qwen;
        }
        throw new ArgumentException(
            $"{source} is '{experimentName}', which contains neither 'llama' nor 'qwen', so the chat format is unknown " +
            "(the reference raises NotImplementedError). Put 'qwen' or 'llama' in the name, or set chatFormat.");
    }

    private static bool ReadSwitch(string key, JsonNode? value)
    {
        if (value is JsonValue scalar)
        {
            switch (scalar.GetValueKind())
            {
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                // Read from the JSON text: a JsonValue built in code from a long does not convert to double.
                case JsonValueKind.Number when scalar.ToJsonString() is "0" or "1" or "0.0" or "1.0":
                    return scalar.ToJsonString().StartsWith('1');
            }
        }
        throw new ArgumentException(
            $"reward option '{key}' has value {Render(value)}; use 0 or 1 (or false/true), e.g. \"{key}\": 1.");
    }

    private static ChatFormat ReadChatFormat(string key, JsonNode? value) => ReadString(key, value) switch
    {
        "qwen" => ChatFormat.Qwen,
        "llama3" => ChatFormat.Llama3,
        _ => throw new ArgumentException($"reward option '{key}' has value {Render(value)}; use \"qwen\" or \"llama3\"."),
    };

    private static string ReadString(string key, JsonNode? value) =>
        value is JsonValue scalar && scalar.TryGetValue<string>(out var text)
            ? text
            : throw new ArgumentException($"reward option '{key}' has value {Render(value)}; a string is expected.");

    private static string Render(JsonNode? value) => value?.ToJsonString() ?? "null";
}
