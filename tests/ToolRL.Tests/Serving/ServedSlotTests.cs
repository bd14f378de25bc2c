using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ToolRL.Serving;
using RlMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Tests.Serving;

/// <summary>
/// A server with a single batch row (<c>toolrl serve --max-batch 1</c>): a request can only run once the one before it
/// has left its slot, so "the next request is served" proves a disconnected client's slot was freed, not merely that
/// some row finished. Real HttpClients cancel mid-stream and while waiting in the queue.
/// </summary>
public sealed class ServedSlotTests : IClassFixture<OneRowServerFixture>
{
    /// <summary>A budget the cancelled replies never reach: 30,000 tokens of the tiny model.</summary>
    private const int Endless = 30_000;

    private readonly OneRowServerFixture _server;

    public ServedSlotTests(OneRowServerFixture server) => _server = server;

    private Uri Completions => new(_server.Address, "/v1/chat/completions");

    private static StringContent Body(string user, int maxTokens, bool stream, double temperature = 1, int seed = 1) =>
        new($$"""{"model": "tiny", "messages": [{"role": "user", "content": "{{user}}"}], "temperature": {{temperature}}, "seed": {{seed}}, "max_tokens": {{maxTokens}}, "stream": {{(stream ? "true" : "false")}}}""",
            Encoding.UTF8, "application/json");

    private async Task Until(Func<BatcherStatistics, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!condition(_server.Policy.Batcher.Statistics))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}: {_server.Policy.Batcher.Statistics}");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Clients_that_cancel_mid_stream_or_while_queued_free_the_slot_for_the_next_request()
    {
        var batcher = _server.Policy.Batcher;
        Assert.Equal(1, batcher.MaxRows);
        var stepsBefore = batcher.Statistics.Steps;
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

        // A streams a reply that would run for 30,000 tokens and holds the only row; its reader consumes every chunk
        // until its token is cancelled, as an application's `await foreach` over a stream does.
        using var cancelStream = new CancellationTokenSource();
        var chunks = 0;
        var streaming = Task.Run(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Completions) { Content = Body("hello", Endless, stream: true) };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancelStream.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancelStream.Token));
            while (await reader.ReadLineAsync(cancelStream.Token) is { } line)
            {
                if (line.StartsWith("data: {", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref chunks);
                }
            }
        });
        await Until(s => Volatile.Read(ref chunks) >= 3 && s.ActiveRows == 1, "A streams");

        // B (not streaming) queues behind A, then gives up before it ever gets the row.
        using var cancelQueued = new CancellationTokenSource();
        var queued = http.PostAsync(Completions, Body("2+2?", Endless, stream: false), cancelQueued.Token);
        await Until(s => s.Waiting == 1 && s.ActiveRows == 1, "B waits behind A");
        await cancelQueued.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        // A's client cancels mid-stream: its connection goes, and the row must leave the batch.
        await cancelStream.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);
        await Until(s => s.ActiveRows == 0 && s.Waiting == 0, "A and B are gone");

        // C gets the freed row and its answer: the policy's own greedy reply.
        using var next = await http.PostAsync(Completions, Body("Name a city in France.", 8, stream: false, temperature: 0));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var reply = JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
        var expected = (await _server.Policy.CompleteAsync([new RlMessage("user", "Name a city in France.")], null,
            new ChatSampling { Temperature = 0, MaxTokens = 8 }))[0];
        Assert.Equal(expected.Content, reply["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(expected.CompletionIds.Count, reply["usage"]!["completion_tokens"]!.GetValue<int>());

        // C's reply reaches the client before the batcher's next step retires its row, so wait for that step.
        await Until(s => s.ActiveRows == 0 && s.Waiting == 0, "C has left its row");
        var stats = batcher.Statistics;
        Assert.Equal(1, stats.PeakRows);
        // Far fewer steps than A's budget: A left when its client went (after the client's own drain of at most
        // 1 MB or 2 s of chunks), and B never ran.
        Assert.True(stats.Steps - stepsBefore < Endless / 2, $"{stats}");
    }
}

/// <summary>The server over the tiny model with one batch row.</summary>
public sealed class OneRowServerFixture : ServerFixture
{
    public OneRowServerFixture()
        : base(maxBatchRows: 1)
    {
    }
}
