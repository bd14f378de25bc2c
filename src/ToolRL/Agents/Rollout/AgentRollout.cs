using ToolRL.Agents.Tools;
using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Tokenization;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// The multi-turn agent loop (verl <c>tool_agent_loop.py</c>; docs/agents.md), batched over trajectories: generate until
/// <c>&lt;|im_end|&gt;</c> (or <c>&lt;/tool_call&gt;</c> when configured); parse the turn's calls; step the
/// trajectory's own environment (its tools run off the decoding thread); append the tool results or the user's reply
/// as the chat template renders them, plus the next generation prompt; continue until the environment ends the
/// episode or a limit (turns, tokens) is reached; score. Token in, token out: see <see cref="AgentTrajectory"/>. The KV
/// cache is kept across turns (<see cref="KvCachePolicy"/>). Results are ordered task-major (task 0's n samples,
/// then task 1's …) whatever order the rows finish in.
/// </summary>
public sealed class AgentRollout
{
    private readonly Qwen2Tokenizer _tokenizer;
    private readonly TurnTemplate _template;
    private readonly HashSet<int> _stopIds;

    /// <summary>A rollout over <paramref name="tokenizer"/>'s chat template with <paramref name="options"/>.</summary>
    public AgentRollout(Qwen2Tokenizer tokenizer, AgentRolloutOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _tokenizer = tokenizer;
        _template = new TurnTemplate(tokenizer);
        Options = options;
        _stopIds = [tokenizer.ImEndTokenId, tokenizer.EosTokenId];
        if (tokenizer.PadTokenId is { } pad)
        {
            _stopIds.Add(pad);
        }
        if (options.StopAtToolCallEnd)
        {
            _stopIds.Add(tokenizer.TokenToId("</tool_call>")
                ?? throw new ArgumentException("stop_at_tool_call_end needs a tokenizer with a </tool_call> token", nameof(options)));
        }
    }

    /// <summary>The limits and sampling.</summary>
    public AgentRolloutOptions Options { get; }

    /// <summary>
    /// Plays <paramref name="samplesPerTask"/> trajectories of each task with <paramref name="model"/>, each in a fresh
    /// environment from <paramref name="environments"/>. The same <paramref name="seed"/> gives the same trajectories
    /// (unless <see cref="AgentRolloutOptions.AsynchronousTools"/>).
    /// </summary>
    public Task<IReadOnlyList<AgentTrajectory>> RunAsync(Qwen2ForCausalLM model, IAgentEnvironmentFactory environments,
        IReadOnlyList<AgentTask> tasks, int samplesPerTask, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var sampling = new GenerationOptions
        {
            DoSample = Options.Temperature > 0,
            Temperature = Options.Temperature > 0 ? Options.Temperature : 1.0,
            TopP = Options.TopP,
            TopK = Options.TopK,
            Seed = seed,
        };
        return RunAsync(environments, tasks, samplesPerTask,
            (rows, longestPrompt) => new KvCachePolicy(model, rows, sampling, longestPrompt + Options.MaxTotalTokens + 8), cancellationToken);
    }

    /// <summary>The loop over any token source (tests script one).</summary>
    internal async Task<IReadOnlyList<AgentTrajectory>> RunAsync(IAgentEnvironmentFactory environments, IReadOnlyList<AgentTask> tasks,
        int samplesPerTask, Func<int, int, ITokenPolicy> createPolicy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environments);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samplesPerTask);
        var rows = new List<Row>(tasks.Count * samplesPerTask);
        try
        {
            for (var g = 0; g < tasks.Count; g++)
            {
                for (var s = 0; s < samplesPerTask; s++)
                {
                    rows.Add(new Row(tasks[g], g, s, environments.Create(tasks[g])));
                }
            }
            if (rows.Count == 0)
            {
                return [];
            }
            var resets = await Task.WhenAll(rows.Select(r => r.Env.ResetAsync(cancellationToken).AsTask())).ConfigureAwait(false);
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i].Messages.AddRange(resets[i].Messages);
                rows[i].PromptIds = _template.PromptIds(resets[i].Messages, ToolSchemas.ToOpenAiFunctions(resets[i].Tools));
                rows[i].Feed = rows[i].PromptIds;
            }
            using (var policy = createPolicy(rows.Count, rows.Max(r => r.PromptIds.Length)))
            {
                await GenerateAsync(rows, policy, cancellationToken).ConfigureAwait(false);
            }
            var scores = await Task.WhenAll(rows.Select(r => ScoreAsync(r, cancellationToken))).ConfigureAwait(false);
            return [.. rows.Select((r, i) => r.ToTrajectory(scores[i]))];
        }
        finally
        {
            foreach (var row in rows)
            {
                await row.Env.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task GenerateAsync(List<Row> rows, ITokenPolicy policy, CancellationToken cancellationToken)
    {
        var feeds = new int[]?[rows.Count];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < rows.Count; i++)
            {
                if (rows[i].Pending is { } pending && (!Options.AsynchronousTools || pending.IsCompleted))
                {
                    EnvironmentStep? step;
                    try
                    {
                        step = await pending.ConfigureAwait(false);
                    }
                    catch (Exception) when (!cancellationToken.IsCancellationRequested)
                    {
                        step = null;   // the environment failed: an infrastructure error, not the model's
                    }
                    rows[i].Pending = null;
                    Apply(rows[i], i, step, policy);
                }
            }
            var any = false;
            for (var i = 0; i < rows.Count; i++)
            {
                feeds[i] = rows[i].Feed;
                rows[i].Feed = null;
                any |= feeds[i] is not null;
            }
            if (!any)
            {
                var waiting = rows.Where(r => r.Pending is not null).Select(r => (Task)r.Pending!).ToList();
                if (waiting.Count == 0)
                {
                    return;
                }
                await Task.WhenAny(waiting).ConfigureAwait(false);
                continue;
            }
            var next = policy.Step(feeds);
            for (var i = 0; i < rows.Count; i++)
            {
                if (next[i] is not { } token)
                {
                    continue;
                }
                var row = rows[i];
                row.Add(token.Id, token.LogProb);
                if (_stopIds.Contains(token.Id))
                {
                    EndTurn(row, closeTurn: token.Id != _tokenizer.ImEndTokenId, cancellationToken);
                }
                else if (row.Ids.Count >= Options.MaxTotalTokens)
                {
                    row.Messages.Add(new ChatMessage("assistant", _tokenizer.Decode(row.TurnIds, skipSpecialTokens: true)));
                    Finish(row, i, TerminationReason.MaxTokens, policy);
                }
                else
                {
                    row.Feed = [token.Id];
                }
            }
        }
    }

    private void EndTurn(Row row, bool closeTurn, CancellationToken cancellationToken)
    {
        var turn = TurnParser.Parse(_tokenizer.Decode(row.TurnIds, skipSpecialTokens: true), _tokenizer.ChatDialect);
        row.Turns++;
        row.ToolCalls += turn.Calls.Count;
        var calls = turn.Calls.Where(c => c.Call is not null).Select(c => c.Call!).ToList();
        row.Messages.Add(new ChatMessage("assistant", turn.Content) { ToolCalls = calls.Count > 0 ? calls : null });
        row.CloseTurn = closeTurn;
        row.TurnEnd = row.Ids.Count - 1;
        row.TurnIds.Clear();
        var env = row.Env;
        row.Pending = Task.Run(async () => await env.StepAsync(turn, cancellationToken).ConfigureAwait(false), cancellationToken);
    }

    private void Apply(Row row, int index, EnvironmentStep? step, ITokenPolicy policy)
    {
        if (step is null)
        {
            Finish(row, index, TerminationReason.EnvError, policy);
            return;
        }
        row.ToolErrors += step.Observations.Count(o => o.IsError);
        if (step.StepReward is { } reward)
        {
            row.StepRewards.Add((row.TurnEnd, reward));
        }
        if (step.Done)
        {
            Finish(row, index, step.Termination ?? TerminationReason.Answered, policy);
            return;
        }
        if (row.Turns >= Options.MaxTurns)
        {
            Finish(row, index, TerminationReason.MaxTurns, policy);
            return;
        }
        int[] ids;
        SegmentKind kind;
        if (step.Observations.Count > 0)
        {
            ids = _template.ObservationIds([.. step.Observations.Select(o => o.Content)], row.CloseTurn);
            kind = SegmentKind.Tool;
        }
        else if (step.UserMessage is { } reply)
        {
            ids = _template.UserIds(reply, row.CloseTurn);
            kind = SegmentKind.User;
        }
        else
        {
            Finish(row, index, TerminationReason.Answered, policy);   // nothing to say back: the answer stands
            return;
        }
        if (row.Ids.Count + ids.Length >= Options.MaxTotalTokens)
        {
            Finish(row, index, TerminationReason.MaxTokens, policy);
            return;
        }
        var lastSampled = row.Ids[^1];
        row.Insert(ids, kind);
        row.Messages.AddRange(kind == SegmentKind.Tool
            ? step.Observations.Select(o => new ChatMessage("tool", o.Content))
            : [new ChatMessage("user", step.UserMessage!)]);
        row.Feed = [lastSampled, .. ids];   // the turn's last sampled token has not been fed yet
    }

    private static void Finish(Row row, int index, TerminationReason reason, ITokenPolicy policy)
    {
        row.Termination = reason;
        policy.Release(index);
    }

    private static async Task<EpisodeScore> ScoreAsync(Row row, CancellationToken cancellationToken)
    {
        var termination = row.Termination ?? TerminationReason.EnvError;
        if (termination == TerminationReason.EnvError)
        {
            return new EpisodeScore(0, false, new Dictionary<string, double>());
        }
        try
        {
            return await row.Env.ScoreAsync(termination, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            row.Termination = TerminationReason.EnvError;
            return new EpisodeScore(0, false, new Dictionary<string, double>());
        }
    }

    /// <summary>The growing state of one trajectory.</summary>
    private sealed class Row(AgentTask task, int group, int sample, IAgentEnvironment env)
    {
        public AgentTask Task { get; } = task;
        public IAgentEnvironment Env { get; } = env;
        public int[] PromptIds { get; set; } = [];
        public List<int> Ids { get; } = [];
        public List<bool> Mask { get; } = [];
        public List<float> LogProbs { get; } = [];
        public List<TrajectorySegment> Segments { get; } = [];
        public List<ChatMessage> Messages { get; } = [];
        public List<int> TurnIds { get; } = [];
        public List<(int, double)> StepRewards { get; } = [];
        public int[]? Feed { get; set; }
        public Task<EnvironmentStep>? Pending { get; set; }
        public bool CloseTurn { get; set; }
        public int TurnEnd { get; set; }
        public int Turns { get; set; }
        public int ToolCalls { get; set; }
        public int ToolErrors { get; set; }
        public TerminationReason? Termination { get; set; }

        public void Add(int id, float logProb)
        {
            if (Segments.Count == 0 || Segments[^1].Kind != SegmentKind.Policy)
            {
                Segments.Add(new TrajectorySegment(SegmentKind.Policy, Ids.Count, 0, Turns + 1));
            }
            Segments[^1] = Segments[^1] with { Length = Segments[^1].Length + 1 };
            Ids.Add(id);
            Mask.Add(true);
            LogProbs.Add(logProb);
            TurnIds.Add(id);
        }

        public void Insert(int[] ids, SegmentKind kind)
        {
            Segments.Add(new TrajectorySegment(kind, Ids.Count, ids.Length, Turns));
            Ids.AddRange(ids);
            Mask.AddRange(Enumerable.Repeat(false, ids.Length));
            LogProbs.AddRange(Enumerable.Repeat(0f, ids.Length));
        }

        public AgentTrajectory ToTrajectory(EpisodeScore score) => new()
        {
            Task = Task,
            GroupIndex = group,
            SampleIndex = sample,
            PromptIds = PromptIds,
            ResponseIds = [.. Ids],
            LossMask = [.. Mask],
            LogProbs = [.. LogProbs],
            Segments = Segments,
            Messages = Messages,
            NumTurns = Turns,
            ToolCalls = ToolCalls,
            ToolErrors = ToolErrors,
            Termination = Termination ?? TerminationReason.EnvError,
            Score = score,
            StepRewards = StepRewards,
        };
    }
}
