using ToolRL.Cli;

namespace ToolRL.Tests.Runs;

/// <summary>
/// One error printer for every command (issues #14 and #22): a one-line <c>error:</c>, exit code 2 for usage and
/// configuration errors and 1 for runtime failures, the stack trace only with --verbose; commands listed explicitly.
/// </summary>
public sealed class ErrorPrinterTests : IDisposable
{
    private readonly TempDirectory _temp = new("errors");

    public ErrorPrinterTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EveryCommandIsRegisteredExplicitly()
    {
        var names = Program.BuildRootCommand().Subcommands.Select(c => c.Name);

        Assert.Equal(["data", "eval", "generate", "merge", "plan", "reward", "score", "serve", "tokenize", "tokenizer", "train", "version"], names);
    }

    [Fact]
    public void ParseErrorsAreUsageErrors()
    {
        var (code, _, err) = Cli.Run("train", Path.Combine(_temp.Path, "c.json"), "--threads", "0");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("error: --threads must be at least 1", err);
        Assert.Contains("see: toolrl train --help", err);
    }

    [Fact]
    public void AMissingConfigIsOneLineAndVerboseAddsTheStackTrace()
    {
        var missing = Path.Combine(_temp.Path, "missing.json");

        var (code, _, err) = Cli.Run("train", missing);
        var (verboseCode, _, verbose) = Cli.Run("train", missing, "--verbose");

        Assert.Equal(ExitCodes.Usage, code);
        Cli.AssertOneLineError(err, missing, "Fix:");
        Assert.Equal(ExitCodes.Usage, verboseCode);
        Assert.Contains("   at ", verbose);
    }

    [Fact]
    public void RuntimeFailuresExitWith1AndUnexpectedOnesNameTheirType()
    {
        var model = Path.Combine(_temp.Path, "model");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "config.json"), "{ not json");
        var input = Path.Combine(_temp.Path, "in.jsonl");
        File.WriteAllText(input, "{\"ids\": [1, 2]}\n");

        var (code, _, err) = Cli.Run("score", "--model", model, "--input", input);

        Assert.Equal(ExitCodes.Failure, code);
        Cli.AssertOneLineError(err, "config.json");
        var writer = new StringWriter();
        Assert.Equal(ExitCodes.Failure, ErrorPrinter.Print(new NullReferenceException("boom"), writer, verbose: false));
        Assert.Equal("error: boom (NullReferenceException; rerun with --verbose for the stack trace)", writer.ToString().TrimEnd());
    }

    [Fact]
    public void TrainWithAnEmptyDataFileIsOneLine()
    {
        var empty = Path.Combine(_temp.Path, "empty.jsonl");
        File.WriteAllText(empty, "\n");
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinyGrpo, c =>
            c["data"] = new System.Text.Json.Nodes.JsonObject { ["train_files"] = empty, ["val_files"] = Path.Combine(_temp.Path, "val.jsonl") });

        var (code, _, err) = Cli.Run("train", config, "--output", Path.Combine(_temp.Path, "run"));

        Assert.Equal(ExitCodes.Usage, code);
        Cli.AssertOneLineError(err, $"data.train_files: {empty} is empty", "data.val_files", "val.jsonl does not exist");
    }
}
