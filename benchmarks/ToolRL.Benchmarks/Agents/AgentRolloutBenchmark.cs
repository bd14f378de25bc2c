using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Tokenization;

namespace ToolRL.Benchmarks.Agents;

/// <summary>
/// <c>agent-rollout</c>: rollout tokens/s of a batch of multi-turn retail trajectories with the KV cache kept across
/// turns (<see cref="KvCachePolicy"/>: an inserted turn is prefilled onto the row's cache) against re-prefilling each
/// turn (every turn after the first starts with a forward of the row's whole conversation, as a rollout that calls
/// generate once per turn does), in the same run. Both variants run the real tiny Qwen2 of
/// <c>configs/grpo-tiny-agent.json</c> on the same batch; the tokens are forced to the gold turns (the model's forward
/// and sampling still run every step), so both produce the same trajectories, with the gold turn structure (tool
/// calls, tool results, user turns, answers), which a random model could not.
/// </summary>
public sealed class AgentRolloutBenchmark : IBenchmark
{
    private const int Tasks = 16;

    /// <inheritdoc />
    public string Name => "agent-rollout";

    /// <inheritdoc />
    public void Run()
    {
        IntraOpThreads = int.TryParse(Environment.GetEnvironmentVariable("TOOLRL_BENCH_THREADS"), out var threads) ? threads : 1;
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = Tasks, ValidationTasks = 1, Users = 4 });
        var tasks = factory.Tasks(TaskSplit.Train);
        var golds = tasks.Select(t => factory.GoldAsync(t).AsTask().Result!).ToList();
        var tokenizer = BpeTrainer.Train(golds.Select(g => Qwen25ChatTemplate.Render(g.Messages, g.Tools)), 1024);
        var template = new TurnTemplate(tokenizer);
        var turns = golds.Select(g => (IReadOnlyList<int[]>)[.. g.Messages.Where(m => m.Role == "assistant").Select(template.AssistantIds)]).ToList();
        using var model = Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 128, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 4,
            NumKeyValueHeads = 2, MaxPositionEmbeddings = 4096, TieWordEmbeddings = true, EosTokenIds = [tokenizer.ImEndTokenId],
        }, seed: 1);
        model.Eval();
        var rollout = new AgentRollout(tokenizer, new AgentRolloutOptions { MaxTurns = 6, MaxTotalTokens = 1024 });
        Console.WriteLine($"{Tasks} retail tasks (all six kinds), batch {Tasks}, tiny Qwen2 (hidden 128, 2 layers), vocab {tokenizer.VocabSize}, intra-op threads {IntraOpThreads}");

        (double Seconds, IReadOnlyList<AgentTrajectory> Played, long Fed) Play(bool reprefill)
        {
            long fed = 0;
            var started = Stopwatch.GetTimestamp();
            var played = rollout.RunAsync(factory, tasks, 1, (rows, longest) =>
            {
                var sampling = new GenerationOptions { DoSample = false, Seed = 7 };
                ITokenPolicy cached = new KvCachePolicy(model, rows, sampling, longest + 1024 + 8);
                var compute = reprefill ? new RePrefillEachTurn(model, cached, rows, n => fed += n) : cached;
                return new Forced(compute, new ScriptedTokenPolicy(turns), n => fed += n);
            }, CancellationToken.None).Result;
            return (Stopwatch.GetElapsedTime(started).TotalSeconds, played, fed);
        }

        Play(reprefill: false);   // warm-up
        var results = new List<(bool Reprefill, double Seconds, long Fed)>();
        IReadOnlyList<AgentTrajectory>? first = null;
        for (var repeat = 0; repeat < 2; repeat++)
        {
            foreach (var reprefill in new[] { false, true })
            {
                var (seconds, played, fed) = Play(reprefill);
                first ??= played;
                if (!played.Select(t => t.ResponseIds).SequenceEqual(first.Select(t => t.ResponseIds), new IdsComparer()))
                {
                    throw new InvalidOperationException("the two variants produced different trajectories");
                }
                results.Add((reprefill, seconds, fed));
            }
        }
        var policyTokens = first!.Sum(t => t.PolicyTokens);
        var allTokens = first!.Sum(t => t.ResponseIds.Length);
        var turnsPlayed = first!.Sum(t => t.NumTurns);
        Console.WriteLine(Invariant($"trajectories: {first!.Count}, assistant turns {turnsPlayed}, generated tokens {policyTokens}, response tokens {allTokens} (inserted {allTokens - policyTokens}), prompt {first![0].PromptIds.Length} tokens"));
        var cachedBest = results.Where(r => !r.Reprefill).MinBy(r => r.Seconds);
        var reprefillBest = results.Where(r => r.Reprefill).MinBy(r => r.Seconds);
        Console.WriteLine(Invariant($"KV cache across turns: {cachedBest.Seconds:F2} s (best of 2), {policyTokens / cachedBest.Seconds:F0} generated tok/s, {cachedBest.Fed:N0} tokens through the model"));
        Console.WriteLine(Invariant($"re-prefill each turn:  {reprefillBest.Seconds:F2} s (best of 2), {policyTokens / reprefillBest.Seconds:F0} generated tok/s, {reprefillBest.Fed:N0} tokens through the model"));
        Console.WriteLine(Invariant($"ratio: ×{reprefillBest.Seconds / cachedBest.Seconds:F2} faster with the cache kept; runs: {string.Join(", ", results.Select(r => $"{(r.Reprefill ? "re-prefill" : "cached")} {r.Seconds:F2} s"))}"));
    }

    private sealed class IdsComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] obj) => obj.Length;
    }

    /// <summary>Runs <paramref name="compute"/> on every step (its forward and sampling are the cost) and answers with the scripted gold token.</summary>
    private sealed class Forced(ITokenPolicy compute, ScriptedTokenPolicy script, Action<int> countFed) : ITokenPolicy
    {
        public IReadOnlyList<(int Id, float LogProb)?> Step(IReadOnlyList<int[]?> feeds)
        {
            countFed(feeds.Sum(f => f?.Length ?? 0));
            compute.Step(feeds);
            return script.Step(feeds);
        }

        public void Release(int row)
        {
            compute.Release(row);
            script.Release(row);
        }

        public void Dispose() => compute.Dispose();
    }

    /// <summary>
    /// The cost of a rollout without a cache across turns: when a row starts a turn after the first, its whole
    /// conversation is run through the model again (batched with the other rows starting a turn in that step,
    /// left-padded, fresh attention) before decoding continues; the cached policy then carries on, so the tokens are the same.
    /// </summary>
    private sealed class RePrefillEachTurn(Qwen2ForCausalLM model, ITokenPolicy inner, int rows, Action<int> countFed) : ITokenPolicy
    {
        private readonly List<int>[] _history = [.. Enumerable.Range(0, rows).Select(_ => new List<int>())];

        public IReadOnlyList<(int Id, float LogProb)?> Step(IReadOnlyList<int[]?> feeds)
        {
            var starting = Enumerable.Range(0, feeds.Count).Where(r => feeds[r] is { Length: > 1 } && _history[r].Count > 0).ToList();
            if (starting.Count > 0)
            {
                using var noGrad = NoGrad();
                using var scope = NewScope();
                var width = starting.Max(r => _history[r].Count + feeds[r]!.Length);
                var ids = new long[starting.Count * width];
                var mask = new long[starting.Count * width];
                for (var j = 0; j < starting.Count; j++)
                {
                    var whole = _history[starting[j]].Concat(feeds[starting[j]]!).ToArray();
                    countFed(whole.Length - feeds[starting[j]]!.Length);
                    var offset = j * width + width - whole.Length;
                    for (var i = 0; i < whole.Length; i++)
                    {
                        ids[offset + i] = whole[i];
                        mask[offset + i] = 1;
                    }
                }
                var hidden = model.ForwardHidden(FromArray(ids, starting.Count, width), FromArray(mask, starting.Count, width));
                model.LogitsOfRows(hidden.Select(1, width - 1)).ToArray<float>();
            }
            for (var r = 0; r < feeds.Count; r++)
            {
                if (feeds[r] is { } feed)
                {
                    _history[r].AddRange(feed);
                }
            }
            return inner.Step(feeds);
        }

        public void Release(int row) => inner.Release(row);

        public void Dispose() => inner.Dispose();
    }
}
