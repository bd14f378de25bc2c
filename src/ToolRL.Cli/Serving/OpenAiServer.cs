using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ToolRL.Generation;
using ToolRL.Serving;

namespace ToolRL.Cli.Serving;

/// <summary>
/// The OpenAI-compatible HTTP server of <c>toolrl serve</c> (ASP.NET Core minimal APIs): <c>GET /v1/models</c> and
/// <c>POST /v1/chat/completions</c> (JSON, or server-sent events with <c>stream</c>) over one <see cref="ChatPolicy"/>. Requests are answered one at a
/// time (the policy's lock); a bad request gets OpenAI's error JSON with 400/404/413/422, and an unexpected failure a
/// 500 with a message only, never a stack trace.
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
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new ApiError(400, $"the request body is not valid JSON: {e.Message}");
        }
        var request = ChatRequest.Read(body);
        if (request.Model != policy.ModelId)
        {
            throw new ApiError(404, $"the model '{request.Model}' does not exist; this server serves '{policy.ModelId}'", "model", "model_not_found");
        }
        ChatCompletion completion;
        try
        {
            completion = await Task.Run(() => policy.Complete(request.Messages, request.Tools, request.Sampling), context.RequestAborted)
                .ConfigureAwait(false);
        }
        catch (PromptTooLongException e)
        {
            throw new ApiError(400, e.Message, "messages", "context_length_exceeded");
        }
        catch (ArgumentException e)
        {
            throw new ApiError(400, e.Message);
        }
        var json = CompletionJson(completion, policy.ModelId, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (!request.Stream)
        {
            return Json(200, json);
        }
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        foreach (var chunk in StreamChunks(json, request.IncludeUsage))
        {
            await context.Response.WriteAsync($"data: {chunk.ToJsonString()}\n\n", context.RequestAborted).ConfigureAwait(false);
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted).ConfigureAwait(false);
        return Results.Empty;
    }

    /// <summary>
    /// The <c>chat.completion.chunk</c>s of a finished <paramref name="completion"/> (a <see cref="CompletionJson"/>
    /// object): the role, the content, one delta per tool call (index, id, name, arguments), the finish reason, and the
    /// usage when <paramref name="includeUsage"/>. The reply is generated before the first chunk is sent.
    /// </summary>
    public static IEnumerable<JsonObject> StreamChunks(JsonObject completion, bool includeUsage)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var choice = completion["choices"]![0]!;
        var message = choice["message"]!;
        JsonObject Chunk(JsonObject? delta, string? finish, JsonNode? usage = null)
        {
            var chunk = new JsonObject
            {
                ["id"] = completion["id"]!.DeepClone(),
                ["object"] = "chat.completion.chunk",
                ["created"] = completion["created"]!.DeepClone(),
                ["model"] = completion["model"]!.DeepClone(),
                ["choices"] = delta is null ? new JsonArray()
                    : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["logprobs"] = null, ["finish_reason"] = finish }),
            };
            if (usage is not null)
            {
                chunk["usage"] = usage.DeepClone();
            }
            return chunk;
        }
        yield return Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
        if (message["content"] is JsonValue content && content.GetValue<string>().Length > 0)
        {
            yield return Chunk(new JsonObject { ["content"] = content.DeepClone() }, null);
        }
        if (message["tool_calls"] is JsonArray calls)
        {
            for (var i = 0; i < calls.Count; i++)
            {
                var call = (JsonObject)calls[i]!.DeepClone();
                call["index"] = i;
                yield return Chunk(new JsonObject { ["tool_calls"] = new JsonArray(call) }, null);
            }
        }
        yield return Chunk([], choice["finish_reason"]!.GetValue<string>());
        if (includeUsage)
        {
            yield return Chunk(null, null, completion["usage"]);
        }
    }

    /// <summary>The <c>chat.completion</c> object of <paramref name="completion"/>: tool calls with finish_reason "tool_calls", usage.</summary>
    public static JsonObject CompletionJson(ChatCompletion completion, string modelId, long created)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = completion.ToolCalls.Count > 0 && completion.Content.Length == 0 ? null : completion.Content,
        };
        if (completion.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray(completion.ToolCalls.Select(call => (JsonNode)new JsonObject
            {
                ["id"] = $"call_{Guid.NewGuid():N}"[..29],
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.Arguments.ToJsonString() },
            }).ToArray());
        }
        var finish = completion.ToolCalls.Count > 0 ? "tool_calls" : completion.FinishReason == FinishReason.Length ? "length" : "stop";
        return new JsonObject
        {
            ["id"] = $"chatcmpl-{Guid.NewGuid():N}",
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = modelId,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = finish,
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = completion.PromptTokens,
                ["completion_tokens"] = completion.CompletionIds.Count,
                ["total_tokens"] = completion.PromptTokens + completion.CompletionIds.Count,
            },
        };
    }

    private static IResult Json(int status, JsonObject body) =>
        Results.Text(body.ToJsonString(), "application/json", System.Text.Encoding.UTF8, status);
}
