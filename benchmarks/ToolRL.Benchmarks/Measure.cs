namespace ToolRL.Benchmarks;

/// <summary>The timing and memory readings the benchmarks share.</summary>
internal static class Measure
{
    /// <summary>
    /// The fastest of <paramref name="repeats"/> runs of <paramref name="action"/>, in seconds: on a shared, loaded
    /// machine the fastest run is the one least disturbed by other work.
    /// </summary>
    public static double BestSeconds(Action action, int repeats)
    {
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    /// <summary>This process's peak resident set in bytes (<c>VmHWM</c> of /proc/self/status; 0 where there is none).</summary>
    public static long PeakRss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    /// <summary>Resets the kernel's peak-RSS mark of this process (VmHWM) so the next phase is measured alone.</summary>
    public static void ResetPeakRss()
    {
        GC.Collect();
        CpuCache.EmptyCache(); // buffers the allocator cached for the previous phase are not this phase's memory
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A byte count in whole MiB, e.g. "412 MiB".</summary>
    public static string Mib(long bytes) => Invariant($"{bytes / 1048576.0:F0} MiB");
}
