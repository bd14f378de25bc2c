namespace ToolRL.Benchmarks;

/// <summary>
/// Runs a reference implementation (python3-torch, node) to its end. Its stderr is drained while its stdout is read,
/// so a child that writes much to either cannot stall on a full pipe.
/// </summary>
internal static class ReferenceProcess
{
    /// <summary>How the process ended and what it printed.</summary>
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>Runs <paramref name="start"/> with its output redirected here, writing <paramref name="input"/> to its stdin when given.</summary>
    public static Result Run(ProcessStartInfo start, string? input = null)
    {
        start.UseShellExecute = false;
        start.RedirectStandardInput = input is not null;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, output, error.Result);
    }

    /// <summary>
    /// Runs /usr/bin/python3 with <paramref name="arguments"/> (a script on stdin when <paramref name="input"/> is given)
    /// and returns its stdout; null, after saying why, when python3 cannot start or fails: the benchmark then reports
    /// its own figures without the reference.
    /// </summary>
    public static string? Python(IEnumerable<string> arguments, string? input = null, string what = "python3-torch reference")
    {
        try
        {
            var result = Run(new ProcessStartInfo("/usr/bin/python3", arguments), input);
            if (result.ExitCode != 0)
            {
                Console.WriteLine($"  {what} failed: {result.Error.Trim()}");
                return null;
            }
            return result.Output;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"  /usr/bin/python3 not runnable ({e.Message}); no reference figure");
            return null;
        }
    }

    /// <summary>Runs a python3-torch snippet and returns its last stdout line (the reference figure), or null as <see cref="Python"/>.</summary>
    public static string? PythonSnippet(string script) => Python([], script)?.Trim().Split('\n')[^1];
}
