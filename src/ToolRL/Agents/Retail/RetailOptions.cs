using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Agents.Tools;

namespace ToolRL.Agents.Retail;

/// <summary>
/// Options of the retail demo domain (config <c>"environment": {"name": "retail", "options": {…}}</c>). The train and
/// held-out task sets come from different seeds, so no held-out shop or task is seen in training.
/// </summary>
public sealed record RetailOptions
{
    /// <summary>Seed of the training tasks.</summary>
    public long TrainSeed { get; init; } = 1;

    /// <summary>Seed of the held-out tasks (must differ from <see cref="TrainSeed"/>).</summary>
    public long ValidationSeed { get; init; } = 2;

    /// <summary>Number of training tasks.</summary>
    public int TrainTasks { get; init; } = 60;

    /// <summary>Number of held-out tasks.</summary>
    public int ValidationTasks { get; init; } = 12;

    /// <summary>Users per shop.</summary>
    public int Users { get; init; } = 6;

    /// <summary>Digits of an order id after "#W" (2–4; 4 as tau2's). Fewer digits are fewer tokens for a small model to copy.</summary>
    public int OrderIdDigits { get; init; } = 4;

    /// <summary>Task kinds used (all by default); see <see cref="RetailTaskGenerator.Kinds"/>.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = RetailTaskGenerator.Kinds;

    /// <summary>
    /// Whether the prompt shows example ids (default true): the system prompt's "Order ids look like #W1234" and the
    /// tool arguments' "e.g. #W1234". Without them it says "Order ids start with #W" and the arguments give no example,
    /// so the user's message holds the only "#W" followed by digits: a small model copying the id after "#W" then has
    /// one place to copy from, not six.
    /// </summary>
    public bool ExampleIds { get; init; } = true;

    /// <summary>
    /// Task kinds whose reward adds tau2's ACTION check to DB × COMMUNICATE (tau2 <c>reward_basis</c> with <c>ACTION</c>):
    /// every gold tool call must be among the agent's calls, with the same name and equal gold arguments (tau2's
    /// <c>compare_args</c> set to the gold call's argument names). Meant for the read-only kinds (<c>order_status</c>,
    /// <c>count_orders</c>), whose DB check passes without any call, so a guessed answer would otherwise score; tau2
    /// requires such information to be obtained. Empty by default (DB × COMMUNICATE, tau2's default basis).
    /// </summary>
    public IReadOnlyList<string> ActionCheckKinds { get; init; } = [];

    /// <summary>
    /// Extra training tasks with a short prompt, for the SFT warm start only (default 0): each is a task of the chosen
    /// kinds on its own shop, shown with a one-line system prompt and no tool schemas (the tools still run), so its
    /// gold trajectory carries the copy of the order id from the user's request into the call in a fraction of the
    /// tokens of a full prompt. A small model learns to copy an id in a short context and then does it in the long
    /// one; on full prompts alone it does not (docs/agents.md, docs/copying.md). They are never rolled out by RFT or
    /// GRPO, nor evaluated (<see cref="IAgentEnvironmentFactory.SftOnlyTasks"/>).
    /// </summary>
    public int SftShortTasks { get; init; }

    /// <summary>Tool errors over an episode after which it ends (tau2's max_errors, cumulative).</summary>
    public int MaxTotalErrors { get; init; } = 10;

    /// <summary>Tool execution limits.</summary>
    public ToolExecutionOptions Tools { get; init; } = new();

    /// <summary>
    /// The tools offered to the agent, by name (null = all ten). A smaller set makes the system prompt shorter (every
    /// schema is rendered into it); the tools the chosen kinds' gold actions use must be among them.
    /// </summary>
    public IReadOnlyList<string>? OfferedTools { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the field, the value and the fix.</summary>
    public void Validate()
    {
        if (TrainSeed == ValidationSeed)
        {
            throw new ArgumentException($"environment.options.train_seed and validation_seed are both {TrainSeed}; fix: give the held-out tasks another seed");
        }
        if (TrainTasks < 1 || ValidationTasks < 1)
        {
            throw new ArgumentException($"environment.options.train_tasks is {TrainTasks} and validation_tasks is {ValidationTasks}; fix: give at least 1 of each");
        }
        if (Users is < 1 or > 99)
        {
            throw new ArgumentException($"environment.options.users is {Users}; fix: give 1–99");
        }
        if (Kinds.Count == 0 || Kinds.FirstOrDefault(k => !RetailTaskGenerator.Kinds.Contains(k)) is { } unknown)
        {
            throw new ArgumentException($"environment.options.kinds holds '{Kinds.FirstOrDefault(k => !RetailTaskGenerator.Kinds.Contains(k))}'; fix: use some of {string.Join(", ", RetailTaskGenerator.Kinds)}");
        }
        if (ActionCheckKinds.FirstOrDefault(k => !RetailTaskGenerator.Kinds.Contains(k)) is { } unknownCheck)
        {
            throw new ArgumentException($"environment.options.action_check_kinds holds '{unknownCheck}'; fix: use some of {string.Join(", ", RetailTaskGenerator.Kinds)}");
        }
        if (OrderIdDigits is < 2 or > 4)
        {
            throw new ArgumentException($"environment.options.order_id_digits is {OrderIdDigits}; fix: give 2, 3 or 4");
        }
        if (MaxTotalErrors < 1)
        {
            throw new ArgumentException($"environment.options.max_total_errors is {MaxTotalErrors}; fix: give at least 1");
        }
        if (SftShortTasks is < 0 or > MaxSftShortTasks)
        {
            throw new ArgumentException($"environment.options.sft_short_tasks is {SftShortTasks}; fix: give 0 (none) to {MaxSftShortTasks}");
        }
        if (OfferedTools is not null && (OfferedTools.Count == 0 || OfferedTools.Any(t => !RetailTools.Names.Contains(t))))
        {
            throw new ArgumentException($"environment.options.tools holds {(OfferedTools.Count == 0 ? "nothing" : $"'{OfferedTools.First(t => !RetailTools.Names.Contains(t))}'")}; fix: name some of {string.Join(", ", RetailTools.Names)}, or leave it out for all");
        }
        Tools.Validate();
    }

    /// <summary>Reads snake_case options (null = defaults); unknown keys are refused with the list of known ones.</summary>
    public static RetailOptions FromJson(JsonObject? options)
    {
        var result = new RetailOptions();
        if (options is null)
        {
            return result;
        }
        var tools = result.Tools;
        foreach (var (key, value) in options)
        {
            try
            {
                result = key switch
                {
                    "train_seed" => result with { TrainSeed = Read<long>(value) },
                    "validation_seed" => result with { ValidationSeed = Read<long>(value) },
                    "train_tasks" => result with { TrainTasks = Read<int>(value) },
                    "validation_tasks" => result with { ValidationTasks = Read<int>(value) },
                    "users" => result with { Users = Read<int>(value) },
                    "kinds" => result with { Kinds = Read<string[]>(value) },
                    "order_id_digits" => result with { OrderIdDigits = Read<int>(value) },
                    "action_check_kinds" => result with { ActionCheckKinds = Read<string[]>(value) },
                    "example_ids" => result with { ExampleIds = Read<bool>(value) },
                    "max_total_errors" => result with { MaxTotalErrors = Read<int>(value) },
                    "tools" => result with { OfferedTools = Read<string[]>(value) },
                    "sft_short_tasks" => result with { SftShortTasks = Read<int>(value) },
                    _ => result,
                };
                tools = key switch
                {
                    "tool_timeout_seconds" => tools with { TimeoutSeconds = Read<double>(value) },
                    "max_tool_calls_per_turn" => tools with { MaxCallsPerTurn = Read<int>(value) },
                    "max_observation_chars" => tools with { MaxObservationChars = Read<int>(value) },
                    _ => tools,
                };
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or JsonException)
            {
                throw new ArgumentException($"environment.options.{key} is {value?.ToJsonString() ?? "null"}, which is not of the expected type; fix: see RetailOptions ({e.Message})");
            }
            if (!Known.Contains(key))
            {
                throw new ArgumentException($"environment.options has the unknown key '{key}'; known: {string.Join(", ", Known)}");
            }
        }
        result = result with { Tools = tools };
        result.Validate();
        return result;
    }

    /// <summary>The most short SFT tasks (each is a shop and a gold trajectory held in memory).</summary>
    public const int MaxSftShortTasks = 100_000;

    private static T Read<T>(JsonNode? value) => value.Deserialize<T>() ?? throw new FormatException("null is not allowed");

    private static readonly string[] Known =
    [
        "train_seed", "validation_seed", "train_tasks", "validation_tasks", "users", "kinds", "order_id_digits", "action_check_kinds", "example_ids", "max_total_errors", "tools", "sft_short_tasks",
        "tool_timeout_seconds", "max_tool_calls_per_turn", "max_observation_chars",
    ];
}
