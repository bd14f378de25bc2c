using ToolRL.Generation;
using ToolRL.Serving;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Serving;

/// <summary>
/// The continuous batch on the tiny model: requests that join a running batch get exactly what <see cref="Sampler"/>
/// (the path of <c>toolrl generate</c>) gives them alone, and a cancelled request leaves the batch.
/// </summary>
public sealed class ContinuousBatcherTests : IClassFixture<TinyPolicyFixture>
{
    private readonly ChatPolicy _policy;

    public ContinuousBatcherTests(TinyPolicyFixture fixture) => _policy = fixture.Policy;

    private IReadOnlyList<int> Prompt(string text) =>
        _policy.Tokenizer.EncodeToIds(Qwen25ChatTemplate.Render([new ChatMessage("user", text)], addGenerationPrompt: true));

    /// <summary>Greedy or seeded sampling, no eos (the budget decides the length), so runs are long enough to overlap.</summary>
    private static GenerationOptions Options(int tokens, double temperature = 0, long seed = 0) => new()
    {
        MaxNewTokens = tokens, DoSample = temperature > 0, Temperature = temperature, Seed = seed, EosTokenIds = [],
    };

    private int[] Alone(IReadOnlyList<int> prompt, GenerationOptions options) =>
        [.. Sampler.Generate(_policy.Model, [prompt], options)[0].TokenIds];

    private static async Task<int[]> Collect(IAsyncEnumerable<GeneratedToken> tokens)
    {
        var ids = new List<int>();
        await foreach (var token in tokens)
        {
            ids.Add(token.TokenId);
        }
        return [.. ids];
    }

    [Fact]
    public async Task Requests_joining_a_running_batch_get_what_they_get_alone()
    {
        using var batcher = new ContinuousBatcher(_policy.Model, _policy.Decode);
        var prompts = new[] { Prompt("hello"), Prompt("What is the weather like in Paris today, and tomorrow?"), Prompt("2+2?") };
        var settings = new[] { Options(40), Options(12, temperature: 1, seed: 5), Options(8) };
        // The first request holds the batcher's thread after its 10th token until the others are queued, so they
        // must join its running batch (whatever the machine's load does to the threads' timing).
        var gate = new GateAfter(10, () => batcher.Statistics.Waiting >= 2);
        var first = Task.Run(() => Collect(batcher.GenerateAsync(prompts[0], settings[0], constraint: gate)));
        await gate.Reached.Task;
        var others = await Task.WhenAll(
            Task.Run(() => Collect(batcher.GenerateAsync(prompts[1], settings[1]))),
            Task.Run(() => Collect(batcher.GenerateAsync(prompts[2], settings[2]))));
        var results = new[] { await first, others[0], others[1] };

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(Alone(prompts[i], settings[i]), results[i]);
        }
        var stats = batcher.Statistics;
        Assert.Equal(2, stats.Joins);
        Assert.Equal(3, stats.PeakRows);
        // Shared steps: fewer decode steps than the requests' tokens one after another.
        Assert.True(stats.Steps < 40 + 12 + 8 - 2, $"{stats}");
        Assert.Equal(0, stats.ActiveRows);
    }

    [Fact]
    public async Task Several_samples_share_a_prefill_and_keep_their_seed()
    {
        using var batcher = new ContinuousBatcher(_policy.Model, _policy.Decode);
        var prompt = Prompt("hello");
        var options = Options(10, temperature: 1, seed: 11);
        async Task<int[][]> Run()
        {
            var rows = new List<int>[3];
            await foreach (var token in batcher.GenerateAsync(prompt, options, samples: 3))
            {
                (rows[token.Sample] ??= []).Add(token.TokenId);
            }
            return [.. rows.Select(r => r.ToArray())];
        }
        var a = await Run();
        var b = await Run();
        Assert.Equal(a, b);
        Assert.All(a, r => Assert.Equal(10, r.Length));
        Assert.True(a.Distinct(new SequenceComparer()).Count() > 1, "three samples at temperature 1 came out identical");
    }

    [Fact]
    public async Task A_cancelled_request_leaves_the_batch_at_the_next_step()
    {
        using var batcher = new ContinuousBatcher(_policy.Model, _policy.Decode);
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in batcher.GenerateAsync(Prompt("hello"), Options(5000), cancellationToken: cancel.Token))
            {
                if (++seen == 3)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        // The loop drops the row within a step; a 5000-token budget never runs out.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (batcher.Statistics.ActiveRows > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        var stats = batcher.Statistics;
        Assert.Equal(0, stats.ActiveRows);
        Assert.True(stats.Steps < 1000, $"{stats}");

        // The batch serves the next request normally.
        Assert.Equal(Alone(Prompt("2+2?"), Options(6)), await Collect(batcher.GenerateAsync(Prompt("2+2?"), Options(6))));
    }

    [Fact]
    public async Task Stop_strings_and_bad_requests()
    {
        using var batcher = new ContinuousBatcher(_policy.Model, _policy.Decode, maxRows: 4);
        var prompt = Prompt("hello");
        var full = _policy.Decode(Alone(prompt, Options(20)));
        var stop = full.Substring(6, 3);
        var ids = await Collect(batcher.GenerateAsync(prompt, Options(20) with { StopStrings = [stop] }));
        var expected = Sampler.Generate(_policy.Model, [prompt], Options(20) with { StopStrings = [stop] }, decode: _policy.Decode)[0];
        Assert.Equal(expected.TokenIds, ids);
        Assert.Equal(FinishReason.StopString, expected.FinishReason);

        await Assert.ThrowsAsync<ArgumentException>(() => Collect(batcher.GenerateAsync(prompt, Options(5), samples: 5)));
        await Assert.ThrowsAsync<ArgumentException>(() => Collect(batcher.GenerateAsync([], Options(5))));
        await Assert.ThrowsAsync<ArgumentException>(() => Collect(batcher.GenerateAsync([-1], Options(5))));
    }

    /// <summary>Allows every token; on the step after <c>at</c> tokens it blocks the batcher until <c>release</c> holds.</summary>
    private sealed class GateAfter(int at, Func<bool> release) : ITokenConstraint
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyCollection<int>? Allowed(IReadOnlyList<int> generated)
        {
            if (generated.Count == at)
            {
                Reached.TrySetResult();
                SpinWait.SpinUntil(release, TimeSpan.FromSeconds(60));
            }
            return null;
        }
    }

    private sealed class SequenceComparer : IEqualityComparer<int[]>
    {
        public bool Equals(int[]? x, int[]? y) => x!.SequenceEqual(y!);

        public int GetHashCode(int[] obj) => obj.Length == 0 ? 0 : obj[0];
    }
}
