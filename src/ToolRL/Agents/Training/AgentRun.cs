using Microsoft.Extensions.Logging;
using System.Text.Json.Nodes;
using ToolRL.Agents.Mcp;
using ToolRL.Agents.Rollout;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Torch.IO;
using ToolRL.Training;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Agents.Training;

/// <summary>
/// What a training run with an <c>environment</c> section needs from the agent side: the environment (with the
/// tools of its MCP servers, started here and stopped on dispose), its tasks as the trainers' rows, the tokenizer
/// corpus, gold trajectories for the SFT warm start, the rollout stage for GRPO/PPO, and the held-out pass^k
/// evaluation written to <c>agent_eval.jsonl</c>.
/// </summary>
public sealed class AgentRun : IAsyncDisposable
{
    /// <summary>The evaluation log in the run folder.</summary>
    public const string EvalFileName = "agent_eval.jsonl";

    /// <summary>Trajectories played together in one rejection-sampling batch (their KV caches share memory).</summary>
    internal const int MaxRowsPerRollout = 64;

    private readonly McpToolServers? _servers;
    private readonly Action<string> _log;

    private AgentRun(EnvironmentConfig config, IAgentEnvironmentFactory environments, McpToolServers? servers, Action<string> log)
    {
        Config = config;
        Environments = environments;
        _servers = servers;
        _log = log;
    }

    /// <summary>The <c>environment</c> section.</summary>
    public EnvironmentConfig Config { get; }

    /// <summary>The environments (with MCP tools when configured).</summary>
    public IAgentEnvironmentFactory Environments { get; }

    /// <summary>Creates the environment named in <paramref name="config"/> and starts its MCP servers.</summary>
    public static async Task<AgentRun> StartAsync(EnvironmentConfig config, ILogger? logger = null, EnvironmentRegistry? registry = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var write = ProgressLog.Notes(logger);
        IAgentEnvironmentFactory environments;
        try
        {
            environments = (registry ?? EnvironmentRegistry.Default).Create(config.Name, config.Options);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"environment: {e.Message}", e);
        }
        McpToolServers? servers = null;
        if (config.McpServers.Count > 0)
        {
            servers = await McpToolServers.StartAsync([.. config.McpServers.Select(s => new McpServerSpec(s.Command, s.Args, s.Name))], cancellationToken).ConfigureAwait(false);
            environments = new WithExtraTools(environments, servers.Tools);
            write($"environment: {servers.Tools.Count} tool(s) from {config.McpServers.Count} MCP server(s): {string.Join(", ", servers.Tools.Select(t => t.Name))}");
        }
        write($"environment: '{config.Name}' with {environments.Tasks(TaskSplit.Train).Count} training and {environments.Tasks(TaskSplit.Validation).Count} held-out tasks");
        return new AgentRun(config, environments, servers, write);
    }

    /// <summary>The training tasks as rows (one per task; the rollout stage reads <c>extra_info.task_id</c>).</summary>
    public IReadOnlyList<RlRow> TrainRows() => TaskRows.From(Environments.Tasks(TaskSplit.Train), Config.Name);

    /// <summary>Text for a BPE tokenizer: every gold conversation, rendered with its tools.</summary>
    public async Task<IReadOnlyList<string>> CorpusAsync(CancellationToken cancellationToken = default)
    {
        var texts = new List<string>();
        foreach (var task in Environments.Tasks(TaskSplit.Train))
        {
            if (await Environments.GoldAsync(task, cancellationToken).ConfigureAwait(false) is { } gold)
            {
                texts.Add(Qwen25ChatTemplate.Render(gold.Messages, gold.Tools));
            }
        }
        return texts;
    }

    /// <summary>The rollout options of training (limits from the config, sampling from the trainer's request).</summary>
    public AgentRolloutOptions RolloutOptions(int maxTotalTokens, double temperature) => new()
    {
        MaxTurns = Config.MaxAssistantTurns,
        MaxTotalTokens = maxTotalTokens,
        StopAtToolCallEnd = Config.StopAtToolCallEnd,
        AsynchronousTools = Config.AsynchronousTools,
        Temperature = temperature,
    };

    /// <summary>
    /// The solved gold trajectories of the training tasks and of the environment's SFT-only tasks
    /// (<see cref="IAgentEnvironmentFactory.SftOnlyTasks"/>) as SFT sequences (loss on the assistant turns only); the
    /// SFT trainer shuffles them together by the run's seed.
    /// </summary>
    public async Task<IReadOnlyList<SftSequence>> GoldSequencesAsync(Qwen2Tokenizer tokenizer, CancellationToken cancellationToken = default)
    {
        var options = RolloutOptions(1 << 20, 1.0);   // SFT truncates to its max_length
        var gold = await Build(Environments.Tasks(TaskSplit.Train), "training tasks").ConfigureAwait(false);
        if (Environments.SftOnlyTasks is { Count: > 0 } extra)
        {
            gold = [.. gold, .. await Build(extra, "SFT-only tasks").ConfigureAwait(false)];
        }
        return [.. gold.Select(ToSequence)];

        async Task<IReadOnlyList<AgentTrajectory>> Build(IReadOnlyList<AgentTask> tasks, string what)
        {
            var built = await GoldTrajectories.BuildAsync(Environments, tasks, tokenizer, options, cancellationToken).ConfigureAwait(false);
            _log($"sft: {built.Count} gold trajectories of {tasks.Count} {what} ({built.Sum(t => t.PolicyTokens)} trained tokens, {built.Sum(t => t.PromptIds.Length + t.ResponseIds.Length)} in all)");
            return built;
        }
    }

    /// <summary>An agent trajectory as an SFT sequence.</summary>
    public static SftSequence ToSequence(AgentTrajectory t) => new(t.PromptIds, t.ResponseIds, t.LossMask);

    /// <summary>
    /// One round of rejection sampling (RFT): plays every training task <c>samples_per_task</c> times with the policy
    /// and keeps the trajectories whose reward reaches <c>threshold</c>, as SFT sequences (loss on generated tokens).
    /// </summary>
    public async Task<IReadOnlyList<SftSequence>> RejectionSampleAsync(Qwen2ForCausalLM model, Qwen2Tokenizer tokenizer, int maxTotalTokens,
        RftConfig rft, long seed, int round = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rft);
        model.Eval();
        var rollout = new AgentRollout(tokenizer, RolloutOptions(maxTotalTokens, rft.Temperature));
        var tasks = RoundTasks(Environments.Tasks(TaskSplit.Train), rft.TasksPerRound, round);
        // In batches of at most MaxRowsPerRollout trajectories: one batch of every task's samples holds all their KV
        // caches and prefill activations at once (128 tasks × 4 samples took 8 GB and was OOM-killed).
        var tasksPerBatch = Math.Max(1, MaxRowsPerRollout / rft.SamplesPerTask);
        var played = new List<AgentTrajectory>(tasks.Count * rft.SamplesPerTask);
        for (var start = 0; start < tasks.Count; start += tasksPerBatch)
        {
            var batch = tasks.Skip(start).Take(tasksPerBatch).ToList();
            played.AddRange(await rollout.RunAsync(model, Environments, batch, rft.SamplesPerTask, seed + start, cancellationToken).ConfigureAwait(false));
        }
        var kept = played.Where(t => t.Termination != TerminationReason.EnvError && t.Score.Reward >= rft.Threshold).ToList();
        _log($"rft: kept {kept.Count} of {played.Count} trajectories (reward ≥ {rft.Threshold}), {kept.Select(t => t.Task.Id).Distinct().Count()} of {tasks.Count} tasks");
        return [.. kept.Select(ToSequence)];
    }

    /// <summary>The tasks of RFT round <paramref name="round"/> (1-based): all, or the round's slice of <paramref name="perRound"/>, wrapping around.</summary>
    internal static IReadOnlyList<AgentTask> RoundTasks(IReadOnlyList<AgentTask> tasks, int perRound, int round)
    {
        if (perRound <= 0 || perRound >= tasks.Count)
        {
            return tasks;
        }
        var start = (long)(round - 1) * perRound;
        return [.. Enumerable.Range(0, perRound).Select(i => tasks[(int)((start + i) % tasks.Count)])];
    }

    /// <summary>The rollout stage of GRPO/PPO.</summary>
    public AgentRolloutStage RolloutStage(Qwen2Tokenizer tokenizer, int maxTotalTokens, IRewardFunction? reward) =>
        new(Environments, tokenizer, RolloutOptions(maxTotalTokens, 1.0), Config.UseRewardFunctions ? reward : null, Config.RewardWeight);

    /// <summary>
    /// Plays every held-out task <c>eval_trials</c> times and appends the pass^k/pass@k metrics, labelled
    /// <paramref name="phase"/>, to <c>agent_eval.jsonl</c> in <paramref name="outputDir"/>.
    /// </summary>
    public async Task<AgentEvaluationResult> EvaluateAsync(Qwen2ForCausalLM model, Qwen2Tokenizer tokenizer, int maxTotalTokens, long seed, string phase,
        string outputDir, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Eval();
        var rollout = new AgentRollout(tokenizer, RolloutOptions(maxTotalTokens, Config.EvalTemperature));
        var result = await AgentEvaluation.RunAsync(model, rollout, Environments, Environments.Tasks(TaskSplit.Validation), Config.EvalTrials, seed, cancellationToken).ConfigureAwait(false);
        var line = new JsonObject { ["phase"] = phase };
        foreach (var (name, value) in result.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            line[name] = double.IsFinite(value) ? value : null;
        }
        // A phase evaluated again (an RL step redone after a resume) replaces its earlier line.
        var path = Path.Combine(outputDir, EvalFileName);
        var previous = File.Exists(path) ? File.ReadLines(path).Where(l => JsonNode.Parse(l)?["phase"]?.GetValue<string>() != phase).Select(l => l + "\n") : [];
        AtomicFile.WriteAllText(path, string.Concat(previous) + line.ToJsonString() + "\n");
        AgentEvalLog.Write(outputDir, phase, result.Trajectories);
        _log($"{phase}: held-out {string.Join(", ", Enumerable.Range(1, Config.EvalTrials).Where(k => result.Metrics.ContainsKey($"val/agent/pass^{k}")).Select(k => $"pass^{k} {result.Metrics[$"val/agent/pass^{k}"]:0.000}"))}, tool error rate {result.Metrics.GetValueOrDefault("val/agent/tool_error_rate", double.NaN):0.00}");
        return result;
    }

    /// <summary>True when <c>agent_eval.jsonl</c> in <paramref name="outputDir"/> already holds <paramref name="phase"/> (a resumed run).</summary>
    public static bool HasEvaluation(string outputDir, string phase)
    {
        var path = Path.Combine(outputDir, EvalFileName);
        return File.Exists(path) && File.ReadLines(path).Any(l => JsonNode.Parse(l)?["phase"]?.GetValue<string>() == phase);
    }

    /// <summary>Stops the MCP servers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_servers is not null)
        {
            await _servers.DisposeAsync().ConfigureAwait(false);
        }
        await Environments.DisposeAsync().ConfigureAwait(false);
    }
}
