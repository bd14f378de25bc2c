using ToolRL.Runs;

namespace ToolRL.Tests.Runs;

/// <summary>
/// Issue #22, fault 1: two runs into one output folder used to interleave their metrics and both exit 0. The folder
/// is now locked by the OS for the whole run: a second run exits at once naming the holder's PID, and a lock
/// left by a killed run is free again.
/// </summary>
public sealed class RunFolderLockTests : IDisposable
{
    private readonly TempDirectory _temp = new("lock");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ASecondLockOnTheSameFolderIsRefusedUntilTheFirstIsReleased()
    {
        var folder = Path.Combine(_temp.Path, "run");
        using (RunFolderLock.Acquire(folder))
        {
            var refused = Assert.Throws<RunFolderLockedException>(() => RunFolderLock.Acquire(folder));
            Assert.Contains($"PID {Environment.ProcessId}", refused.Message);
            Assert.Contains("--output", refused.Message);
        }
        using var again = RunFolderLock.Acquire(folder);
        Assert.Equal(Path.GetFullPath(folder), again.Folder);
    }

    [Fact]
    public void ASecondRunIntoALockedFolderExitsAtOnceNamingTheHolderAndAKilledHolderLeavesItFree()
    {
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinyGrpo);
        var other = Cli.WriteConfig(Path.Combine(_temp.Path, "other.json"), Cli.TinyGrpo, c => c["seed"] = 4);
        var run = Path.Combine(_temp.Path, "run");
        var pause = new Dictionary<string, string> { ["TOOLRL_TEST_SAVE_PAUSE_MS"] = "60000" };
        using var first = Cli.Start(["train", config, "--output", run], pause);
        Cli.WaitFor(() => File.Exists(Path.Combine(run, RunFolderLock.OwnerFileName))
                          && File.ReadAllText(Path.Combine(run, RunFolderLock.OwnerFileName)).Contains($"PID {first.Id} "), first, "the first run's lock");

        var stderr = new StringWriter();
        using (var second = Cli.Start(["train", other, "--output", run], stderr: stderr))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(60)), "the second run did not exit at once");
            second.WaitForExit();   // the timed wait does not drain the asynchronous stderr reader; this one does
            Assert.Equal(1, second.ExitCode);
        }
        Cli.AssertOneLineError(stderr.ToString(), $"PID {first.Id} ", run);
        Assert.False(first.HasExited);

        first.Kill(entireProcessTree: true);   // SIGKILL: the OS drops the lock with the process
        first.WaitForExit();
        using var free = RunFolderLock.Acquire(run);
        Assert.Contains($"PID {Environment.ProcessId} ", File.ReadAllText(Path.Combine(run, RunFolderLock.OwnerFileName)));
    }
}
