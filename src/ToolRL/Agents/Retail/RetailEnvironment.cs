using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Agents.Tools;
using ToolRL.Tokenization;
using ChatMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Agents.Retail;

/// <summary>
/// One trajectory in the retail shop: a fresh shop from the task's seed, the ten tools over it, and a scripted user
/// who opens with the task's first line and, each time the agent answers, says the next line it has (the information
/// it holds back) or ends the conversation. Scored as tau2 scores (tau2-bench <c>evaluator/evaluator.py</c>): 0 after a premature end;
/// otherwise the product of the DB check (the final shop equals the gold replay's) and the communicate check (every
/// required string appears in an answer, case-insensitive, commas removed from the answer), times tau2's ACTION check
/// (every gold call among the agent's calls) for the kinds in <see cref="RetailOptions.ActionCheckKinds"/>. The
/// components are <c>db</c>, <c>communicate</c>, <c>action</c> (0/1, reported for every kind, as tau2 runs the checks
/// outside the basis for diagnostics) and <c>action_matched</c> (the fraction of gold calls matched, slime's partial
/// action credit).
/// </summary>
public sealed class RetailEnvironment : IAgentEnvironment
{
    /// <summary>The system prompt of every retail task.</summary>
    public const string SystemPrompt =
        "You are a customer service agent of an online shop. Use the tools to look up and change users, orders and products. " +
        "Order ids look like #W1234. Make the change the customer asks for, then tell them the result in one short sentence.";

    /// <summary>
    /// The system prompt for order ids of <paramref name="orderIdDigits"/> digits: its example id has that many, or,
    /// without <paramref name="exampleIds"/>, it only says that ids start with "#W".
    /// </summary>
    public static string SystemPromptFor(int orderIdDigits, bool exampleIds = true) =>
        !exampleIds ? SystemPrompt.Replace("Order ids look like #W1234.", "Order ids start with #W.", StringComparison.Ordinal)
        : orderIdDigits == 4 ? SystemPrompt : SystemPrompt.Replace("#W1234", "#W" + "1234"[..orderIdDigits], StringComparison.Ordinal);

    /// <summary>
    /// The system prompt of a short-prompt task (<see cref="RetailOptions.SftShortTasks"/>): one line, and no order id
    /// beside the user's. No tool schemas are shown with it (the tools still run): they are most of a full prompt.
    /// </summary>
    public const string ShortSystemPrompt = "You are a customer service agent of an online shop.";

    /// <summary>
    /// <paramref name="task"/> as a short-prompt task with id <paramref name="id"/>: the same request, gold actions and
    /// scoring, shown with <see cref="ShortSystemPrompt"/> and without tool schemas.
    /// </summary>
    internal static AgentTask ShortPromptTask(AgentTask task, string id)
    {
        var data = task.Data.DeepClone().AsObject();
        data["short_prompt"] = true;
        return new AgentTask(id, data);
    }

    private readonly AgentTask _task;
    private readonly RetailDatabase _db;
    private readonly ToolExecutor _executor;
    private readonly int _maxTotalErrors;
    private readonly Queue<string> _userLines;
    private readonly List<string> _answers = [];
    private readonly List<ChatToolCall> _calls = [];
    private readonly bool _actionCheck;
    private readonly string _systemPrompt;
    private readonly IReadOnlyList<AIFunction> _shownTools;
    private int _errors;

    /// <summary>An environment for one trajectory of <paramref name="task"/>.</summary>
    public RetailEnvironment(AgentTask task, RetailOptions options)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(options);
        _task = task;
        _db = NewDatabase(task);
        var shortPrompt = task.Data["short_prompt"]?.GetValue<bool>() ?? false;
        _systemPrompt = shortPrompt ? ShortSystemPrompt : SystemPromptFor(task.Data["order_id_digits"]?.GetValue<int>() ?? 4, options.ExampleIds);
        Tools = new RetailTools(_db, options.ExampleIds).Functions(options.OfferedTools);
        _shownTools = shortPrompt ? [] : Tools;
        _executor = new ToolExecutor(Tools, options.Tools);
        _maxTotalErrors = options.MaxTotalErrors;
        _actionCheck = options.ActionCheckKinds.Contains(task.Data["kind"]?.GetValue<string>() ?? "");
        _userLines = new Queue<string>(task.Data["user_lines"]!.AsArray().Select(l => l!.GetValue<string>()));
    }

    /// <summary>The tools over this trajectory's shop (those offered, <see cref="RetailOptions.OfferedTools"/>).</summary>
    public IReadOnlyList<AIFunction> Tools { get; }

    /// <summary>The number of tool errors so far.</summary>
    public int Errors => _errors;

    /// <summary>sha256 of the shop's current state.</summary>
    public string DatabaseHash => _db.Hash();

    /// <inheritdoc />
    public ValueTask<EnvironmentReset> ResetAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new EnvironmentReset([new ChatMessage("system", _systemPrompt), new ChatMessage("user", _userLines.Dequeue())], _shownTools));

    /// <inheritdoc />
    public async ValueTask<EnvironmentStep> StepAsync(AssistantTurn turn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(turn);
        if (turn.IsAnswer)
        {
            _answers.Add(turn.Content);
            return _userLines.TryDequeue(out var line) ? new EnvironmentStep([], line, false) : EnvironmentStep.End(TerminationReason.Answered);
        }
        _calls.AddRange(turn.Calls.Where(c => c.Call is not null).Select(c => c.Call!));
        var observations = await _executor.ExecuteAsync(turn.Calls, cancellationToken).ConfigureAwait(false);
        _errors += observations.Count(o => o.IsError);
        return _errors >= _maxTotalErrors
            ? new EnvironmentStep(observations, null, true, TerminationReason.TooManyErrors)
            : new EnvironmentStep(observations, null, false);
    }

    /// <inheritdoc />
    public async ValueTask<EpisodeScore> ScoreAsync(TerminationReason termination, CancellationToken cancellationToken = default)
    {
        var goldHash = await GoldDatabaseHashAsync(_task, cancellationToken).ConfigureAwait(false);
        var db = _db.Hash() == goldHash ? 1.0 : 0.0;
        var said = string.Join("\n", _answers).ToLowerInvariant().Replace(",", "", StringComparison.Ordinal);
        var required = _task.Data["communicate_info"]!.AsArray().Select(i => i!.GetValue<string>()).ToList();
        var communicate = required.All(i => said.Contains(i.ToLowerInvariant(), StringComparison.Ordinal)) ? 1.0 : 0.0;
        var gold = GoldCallsOf(_task);
        var matched = gold.Count == 0 ? 1.0 : (double)gold.Count(g => _calls.Any(c => Matches(g, c))) / gold.Count;
        var action = matched > 1 - 1e-9 ? 1.0 : 0.0;
        var completed = termination is TerminationReason.Answered or TerminationReason.AgentStop or TerminationReason.UserStop;
        var reward = completed ? db * communicate * (_actionCheck ? action : 1.0) : 0.0;
        return new EpisodeScore(reward, reward > 1 - 1e-6, new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["db"] = db,
            ["communicate"] = communicate,
            ["action"] = action,
            ["action_matched"] = matched,
        });
    }

    /// <summary>The final shop hash of the task's gold actions, replayed on a fresh shop.</summary>
    internal static async Task<string> GoldDatabaseHashAsync(AgentTask task, CancellationToken cancellationToken)
    {
        var db = NewDatabase(task);
        var executor = new ToolExecutor(new RetailTools(db).Functions());
        foreach (var turn in task.Data["gold_turns"]!.AsArray())
        {
            if (turn!["tool_calls"] is JsonArray calls)
            {
                await executor.ExecuteAsync(GoldCalls(calls), cancellationToken).ConfigureAwait(false);
            }
        }
        return db.Hash();
    }

    /// <summary>Every gold tool call of the task, in order.</summary>
    private static List<ChatToolCall> GoldCallsOf(AgentTask task) =>
        [.. task.Data["gold_turns"]!.AsArray().SelectMany(t => t!["tool_calls"] is JsonArray calls ? GoldCalls(calls).Select(p => p.Call!) : [])];

    /// <summary>tau2's <c>compare_with_tool_call</c> with <c>compare_args</c> = the gold call's argument names: same name, equal values there.</summary>
    private static bool Matches(ChatToolCall gold, ChatToolCall call) =>
        gold.Name == call.Name && gold.Arguments.All(a => call.Arguments.TryGetPropertyValue(a.Key, out var value) && JsonNode.DeepEquals(a.Value, value));

    /// <summary>The gold tool calls of one gold turn, as parsed calls.</summary>
    internal static IReadOnlyList<ParsedToolCall> GoldCalls(JsonArray calls) =>
        [.. calls.Select(c => new ParsedToolCall(new ChatToolCall(c!["name"]!.GetValue<string>(), c["arguments"]!.DeepClone().AsObject()), c.ToJsonString(), null))];

    private static RetailDatabase NewDatabase(AgentTask task) =>
        RetailDatabase.Generate(task.Data["db_seed"]!.GetValue<long>(), task.Data["users"]!.GetValue<int>(), task.Data["order_id_digits"]?.GetValue<int>() ?? 4);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
