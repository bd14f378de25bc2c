using System.CommandLine;
using Microsoft.Extensions.Hosting;
using ToolRL.Cli.Serving;
using ToolRL.Serving;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl serve --model DIR [--adapter DIR] [--host 127.0.0.1] [--port 8000]</c>: an OpenAI-compatible server
/// (<c>/v1/models</c>, <c>/v1/chat/completions</c> with tools) over the model until Ctrl+C (docs/serving.md).
/// </summary>
public sealed class ServeCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = ModelCommandSupport.ModelOption();
        var adapter = ModelCommandSupport.AdapterOption();
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 = any free port).", DefaultValueFactory = _ => 8000 };
        var name = new Option<string?>("--served-model-name") { Description = "The model id clients send (default: the model folder's name)." };
        var batch = new Option<int>("--max-batch") { Description = "Replies generated together at most (continuous batching); more requests wait.", DefaultValueFactory = _ => 64 };
        var command = new Command("serve", "Serve a Qwen2/Qwen2.5 model with an OpenAI-compatible chat-completions API.")
        {
            model, adapter, host, port, name, batch,
        };
        command.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(adapter), parse.GetValue(host)!, parse.GetValue(port), parse.GetValue(name),
            parse.GetValue(batch)));
        return command;
    }

    private static int Run(DirectoryInfo dir, DirectoryInfo? adapter, string host, int port, string? name, int maxBatch)
    {
        if (maxBatch < 1)
        {
            throw new UsageException($"--max-batch {maxBatch} must be at least 1; fix: use e.g. 64");
        }
        if (port is < 0 or > 65535)
        {
            throw new UsageException($"--port {port} is not a port; fix: use 0 … 65535");
        }
        using var policy = ChatPolicy.Load(dir.FullName, adapter?.FullName, name, maxBatch);
        var app = OpenAiServer.Build(policy, host, port);
        app.StartAsync().GetAwaiter().GetResult();
        Console.Error.WriteLine($"serve: model '{policy.ModelId}' on {OpenAiServer.Address(app).ToString().TrimEnd('/')}/v1 (Ctrl+C stops)");
        app.WaitForShutdownAsync().GetAwaiter().GetResult();
        return 0;
    }
}
