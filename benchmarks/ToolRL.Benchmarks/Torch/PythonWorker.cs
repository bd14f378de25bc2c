
namespace ToolRL.Benchmarks.Torch;

/// <summary>
/// A persistent /usr/bin/python3 process that runs <c>measure()</c> (defined by the setup script, returning
/// one number) each time it is asked. Alternating short C# and Python measurements, and taking the median of
/// each, keeps the comparison fair on a shared machine whose load drifts over seconds.
/// </summary>
internal sealed class PythonWorker : IDisposable
{
    private readonly Process _process;

    private PythonWorker(Process process) => _process = process;

    public static PythonWorker? Start(string setup)
    {
        var script = setup + "\nimport sys\nfor _line in sys.stdin:\n    print(measure(), flush=True)\n";
        var path = Path.Combine(Path.GetTempPath(), $"toolrl-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, script);
        try
        {
            var psi = new ProcessStartInfo("/usr/bin/python3", path)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            var p = Process.Start(psi)!;
            return new PythonWorker(p);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"  /usr/bin/python3 not runnable ({e.Message}); no reference figure");
            return null;
        }
    }

    /// <summary>One measurement, or null if the worker died (its error is printed).</summary>
    public double? Measure()
    {
        _process.StandardInput.WriteLine("go");
        _process.StandardInput.Flush();
        var line = _process.StandardOutput.ReadLine();
        if (line is null)
        {
            Console.WriteLine($"  python3-torch reference failed: {_process.StandardError.ReadToEnd().Trim()}");
            return null;
        }
        return double.Parse(line, CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            _process.WaitForExit(5000);
        }
        finally
        {
            _process.Dispose();
        }
    }

    public static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
