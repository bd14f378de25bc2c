using System.Diagnostics;
using ToolRL.Testing;
using ToolRL.Torch.Distributed;

namespace ToolRL.Torch.Tests;

/// <summary>
/// Starts real rank processes (tests/ToolRL.DistributedWorker) the way torchrun does: this process hosts the TCP store
/// on a port the system picks (no race for a free port) and hands each rank torchrun's variables. Disposing kills
/// every rank still running.
/// </summary>
internal sealed class DistributedRanks : IDisposable
{
    private static readonly string WorkerDll =
        TestPaths.InRepo("tests", "ToolRL.DistributedWorker", "bin", "Release", "net10.0", "ToolRL.DistributedWorker.dll");

    private readonly TcpStore _store;
    private readonly List<(Process Process, Task<string> Stderr)> _ranks = [];

    public DistributedRanks(int worldSize, Func<int, string[]> arguments)
    {
        Assert.True(File.Exists(WorkerDll), $"the worker is built with the tests: {WorkerDll}");
        _store = TcpStore.Host(0, TimeSpan.FromMinutes(3));
        try
        {
            for (var rank = 0; rank < worldSize; rank++)
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                start.ArgumentList.Add(WorkerDll);
                foreach (var a in arguments(rank))
                {
                    start.ArgumentList.Add(a);
                }
                var environment = new DistributedEnvironment(rank, worldSize, rank, "127.0.0.1", _store.Port, UseAgentStore: true);
                foreach (var (name, value) in environment.ToVariables())
                {
                    start.Environment[name] = value;
                }
                start.Environment["OMP_NUM_THREADS"] = "1";  // 2 cores shared: one op thread per rank
                var process = Process.Start(start)!;
                _ = process.StandardOutput.ReadToEndAsync();
                _ranks.Add((process, process.StandardError.ReadToEndAsync()));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Process this[int rank] => _ranks[rank].Process;

    /// <summary>
    /// Waits for a rank to exit and returns its exit code. On a timeout the rank is killed and the test fails with
    /// <paramref name="state"/> (what the rank had done by then) and its stderr, instead of waiting any longer.
    /// </summary>
    public int WaitForExit(int rank, TimeSpan timeout, Func<string>? state = null)
    {
        var (process, _) = _ranks[rank];
        if (!process.WaitForExit(timeout))
        {
            var seen = state?.Invoke() ?? "";
            Kill(process);
            Assert.Fail($"rank {rank} did not exit within {timeout.TotalSeconds} s{(seen.Length > 0 ? $" ({seen})" : "")}; its stderr: {Stderr(rank)}");
        }
        process.WaitForExit();
        return process.ExitCode;
    }

    public string Stderr(int rank) => _ranks[rank].Stderr.Wait(TimeSpan.FromSeconds(10)) ? _ranks[rank].Stderr.Result : "(stderr not closed)";

    /// <summary>Waits until every path exists (a rank's "I got here" file), failing if a rank exits first.</summary>
    public void WaitForFiles(TimeSpan timeout, params string[] paths)
    {
        var clock = Stopwatch.StartNew();
        while (!paths.All(File.Exists))
        {
            for (var r = 0; r < _ranks.Count; r++)
            {
                if (_ranks[r].Process.HasExited && !paths.All(File.Exists))
                {
                    Assert.Fail($"rank {r} exited with {_ranks[r].Process.ExitCode} before {string.Join(", ", paths.Where(p => !File.Exists(p)))} appeared: {Stderr(r)}");
                }
            }
            Assert.True(clock.Elapsed < timeout, $"{string.Join(", ", paths.Where(p => !File.Exists(p)))} did not appear within {timeout.TotalSeconds} s");
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        foreach (var (process, _) in _ranks)
        {
            Kill(process);
            process.Dispose();
        }
        _store.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
