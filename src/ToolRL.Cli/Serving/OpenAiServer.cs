using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ToolRL.Serving;

namespace ToolRL.Cli.Serving;

/// <summary>
/// The OpenAI-compatible HTTP server of <c>toolrl serve</c> (ASP.NET Core minimal APIs): <c>GET /v1/models</c> and
/// <c>POST /v1/chat/completions</c> (JSON, or server-sent events with <c>stream</c>, sent token by token) over one
/// <see cref="ChatPolicy"/>. Concurrent requests share its continuous batch; a client that disconnects cancels its
/// request. A bad request gets OpenAI's error JSON with 400/404/413/422, and an unexpected failure a 500 with a
/// message only, never a stack trace.
/// </summary>
public static class OpenAiServer
{
    /// <summary>The server for <paramref name="policy"/> on http://<paramref name="host"/>:<paramref name="port"/> (0 = any free port), not started.</summary>
    public static WebApplication Build(ChatPolicy policy, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://{host}:{port}");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = 16 << 20);
        var app = builder.Build();
        app.Use(ErrorsAsJson);
        app.MapGet("/v1/models", () => Json(200, Models(policy)));
        app.MapPost("/v1/chat/completions", (Func<HttpContext, Task<IResult>>)(context => ChatCompletions(policy, context)));
        app.MapFallback(new RequestDelegate(context =>
            throw new ApiError(404, $"no route {context.Request.Method} {context.Request.Path}; the server serves GET /v1/models and POST /v1/chat/completions",
                code: "not_found")));
        return app;
    }

    /// <summary>The address a started server listens on (its free port when it was built with port 0).</summary>
    public static Uri Address(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("the server has no addresses; start it first");
        return new Uri(addresses.Addresses.First());
    }

    private static async Task ErrorsAsJson(HttpContext context, RequestDelegate next)
    {
        ApiError error;
        try
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        catch (ApiError e)
        {
            error = e;
        }
        catch (BadHttpRequestException e)
        {
            error = new ApiError(e.StatusCode, e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return;   // the client went away
        }
        catch (Exception e)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("toolrl.serve").LogError(e, "request failed");
            error = new ApiError(500, $"the server failed to answer: {e.GetType().Name}: {e.Message}");
        }
        if (!context.Response.HasStarted)
        {
            await Json(error.Status, error.ToJson()).ExecuteAsync(context).ConfigureAwait(false);
        }
    }

    private static JsonObject Models(ChatPolicy policy) => new()
    {
        ["object"] = "list",
        ["data"] = new JsonArray(new JsonObject
        {
            ["id"] = policy.ModelId,
            ["object"] = "model",
            ["created"] = 0,
            ["owned_by"] = "toolrl",
            ["max_model_len"] = policy.ContextLength,
        }),
    };

    private static async Task<IResult> ChatCompletions(ChatPolicy policy, HttpContext context)
    {
        ChatRequest request;
        try
        {
            // A repeated key is refused here rather than when the object is first read.
            var body = await JsonNode.ParseAsync(context.Request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false },
                cancellationToken: context.RequestAborted).ConfigureAwait(false);
            request = ChatRequest.Read(body);
        }
        catch (JsonException e)
        {
            throw new ApiError(400, $"the request body is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // A string System.Text.Json cannot decode (a lone UTF-16 surrogate such as "\ud800").
            throw new ApiError(400, $"the request body holds a value that cannot be read: {e.Message}");
        }
        if (request.Model != policy.ModelId)
        {
            throw new ApiError(404, $"the model '{request.Model}' does not exist; this server serves '{policy.ModelId}'", "model", "model_not_found");
        }
        var id = $"chatcmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // The client's disconnect cancels the request: its rows leave the batch at the next step.
        if (!request.Stream)
        {
            var choices = await Translate(() => policy.CompleteAsync(request.Messages, request.Tools, request.Sampling, request.ToolChoice, context.RequestAborted))
                .ConfigureAwait(false);
            return Json(200, CompletionJson(choices, policy.ModelId, created, id));
        }
        var deltas = policy.StreamAsync(request.Messages, request.Tools, request.Sampling, request.ToolChoice, context.RequestAborted)
            .GetAsyncEnumerator(context.RequestAborted);
        await using (deltas.ConfigureAwait(false))
        {
            // The first delta comes after the prompt was checked and prefilled: a bad request still gets a JSON error.
            var any = await Translate(() => deltas.MoveNextAsync().AsTask()).ConfigureAwait(false);
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            var chunks = new ChunkWriter(id, created, policy.ModelId);
            var finished = new List<ChatCompletion>();
            for (var choice = 0; choice < request.Sampling.Choices; choice++)
            {
                await Send(context, chunks.Role(choice)).ConfigureAwait(false);
            }
            for (; any; any = await deltas.MoveNextAsync().ConfigureAwait(false))
            {
                await Send(context, chunks.Delta(deltas.Current)).ConfigureAwait(false);
                if (deltas.Current.Completion is { } done)
                {
                    finished.Add(done);
                }
            }
            if (request.IncludeUsage)
            {
                await Send(context, chunks.Usage(finished)).ConfigureAwait(false);
            }
            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted).ConfigureAwait(false);
            return Results.Empty;
        }
    }

    /// <summary>Runs <paramref name="step"/>, turning the policy's refusals into API errors.</summary>
    private static async Task<T> Translate<T>(Func<Task<T>> step)
    {
        try
        {
            return await step().ConfigureAwait(false);
        }
        catch (PromptTooLongException e)
        {
            throw new ApiError(400, e.Message, "messages", "context_length_exceeded");
        }
        catch (ArgumentException e)
        {
            throw new ApiError(400, e.Message);
        }
    }

    private static async Task Send(HttpContext context, JsonObject chunk)
    {
        await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// The <c>chat.completion</c> object of the <paramref name="choices"/>: tool calls with finish_reason "tool_calls",
    /// usage (prompt tokens once, completion tokens of all choices).
    /// </summary>
    public static JsonObject CompletionJson(IReadOnlyList<ChatCompletion> choices, string modelId, long created, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(choices);
        var array = new JsonArray();
        for (var i = 0; i < choices.Count; i++)
        {
            var completion = choices[i];
            var message = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = completion.ToolCalls.Count > 0 && completion.Content.Length == 0 ? null : completion.Content,
            };
            if (completion.ToolCalls.Count > 0)
            {
                message["tool_calls"] = new JsonArray(completion.ToolCalls.Select(call => (JsonNode)ChunkWriter.ToolCallJson(call)).ToArray());
            }
            array.Add(new JsonObject
            {
                ["index"] = i,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = ChunkWriter.FinishReasonOf(completion),
            });
        }
        return new JsonObject
        {
            ["id"] = id ?? $"chatcmpl-{Guid.NewGuid():N}",
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = modelId,
            ["choices"] = array,
            ["usage"] = ChunkWriter.UsageJson(choices),
        };
    }

    private static IResult Json(int status, JsonObject body) =>
        Results.Text(body.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);
}
