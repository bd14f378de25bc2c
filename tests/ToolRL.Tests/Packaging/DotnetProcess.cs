using System.Diagnostics;
using System.Text;

namespace ToolRL.Tests.Packaging;

/// <summary>The captured result of one child process.</summary>
public sealed record ProcessResult(string CommandLine, int ExitCode, string Output)
{
    /// <summary>Throws with the whole output when the command failed, so a CI log shows why.</summary>
    public ProcessResult EnsureSuccess() => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"`{CommandLine}` exited with {ExitCode}:\n{Output}");
}

/// <summary>
/// Runs the dotnet CLI (or a built program) as a user would, in a clean environment: the variables that
/// `dotnet test` and MSBuild set for their own children are removed, so the child builds exactly like a
/// fresh shell would, and output is captured (stdout and stderr interleaved) for assertions and diagnostics.
/// </summary>
public static class DotnetProcess
{
    /// <summary>The dotnet host running this test (the SDK sets DOTNET_HOST_PATH), else dotnet on PATH.</summary>
    public static string Host { get; } =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/>, killing it after <paramref name="timeout"/>.</summary>
    public static ProcessResult Run(string fileName, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        // Inherited MSBuild state (node reuse, SDK paths of the outer build) would make the child build differ
        // from what a user gets; the test host's own variables are irrelevant to it.
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(name);
            }
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var commandLine = $"{fileName} {string.Join(' ', info.ArgumentList)}";
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new ProcessResult(commandLine, -1, $"timed out after {timeout.TotalSeconds:0} s\n{Snapshot(output)}");
        }
        process.WaitForExit(); // drains the asynchronous readers
        return new ProcessResult(commandLine, process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
