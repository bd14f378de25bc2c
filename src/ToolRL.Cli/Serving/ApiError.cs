using System.Text.Json.Nodes;

namespace ToolRL.Cli.Serving;

/// <summary>
/// A request the server refuses, answered with OpenAI's error JSON
/// (<c>{"error": {"message", "type", "param", "code"}}</c>) and <see cref="Status"/>.
/// </summary>
public sealed class ApiError : Exception
{
    /// <summary>Creates the error.</summary>
    /// <param name="status">HTTP status: 400 invalid, 404 unknown model or route, 413 too large, 422 valid but unsupported.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    /// <param name="param">The request field at fault, if any.</param>
    /// <param name="code">A machine-readable code, if any.</param>
    public ApiError(int status, string message, string? param = null, string? code = null)
        : base(message)
    {
        Status = status;
        Param = param;
        Code = code;
    }

    /// <summary>The HTTP status code.</summary>
    public int Status { get; }

    /// <summary>The request field at fault.</summary>
    public string? Param { get; }

    /// <summary>A machine-readable code.</summary>
    public string? Code { get; }

    /// <summary>OpenAI's error type for <see cref="Status"/>.</summary>
    public string Type => Status switch
    {
        404 => "not_found_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>The error body.</summary>
    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject
        {
            ["message"] = Message,
            ["type"] = Type,
            ["param"] = Param,
            ["code"] = Code,
        },
    };
}
