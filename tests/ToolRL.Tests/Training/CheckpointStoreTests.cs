using ToolRL.Training.Checkpoints;

namespace ToolRL.Tests.Training;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new("ckpt");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void SavedCheckpointIsCompleteAndLatest()
    {
        var store = new CheckpointStore(_temp.Path, keep: 3);
        store.Save(5, dir => File.WriteAllText(Path.Combine(dir, "a.txt"), "five"));
        store.Save(10, dir => File.WriteAllText(Path.Combine(dir, "a.txt"), "ten"));

        var latest = store.Latest();
        Assert.NotNull(latest);
        Assert.Equal(10, latest.Value.Step);
        Assert.Equal("ten", File.ReadAllText(Path.Combine(latest.Value.Path, "a.txt")));
        Assert.True(File.Exists(Path.Combine(latest.Value.Path, CheckpointStore.CompleteMarker)));
        Assert.Equal("10", File.ReadAllText(Path.Combine(_temp.Path, CheckpointStore.LatestPointerFile)));
    }

    [Fact]
    public void PruneKeepsOnlyTheNewest()
    {
        var store = new CheckpointStore(_temp.Path, keep: 2);
        foreach (var step in new long[] { 1, 2, 3, 4 })
        {
            store.Save(step, dir => File.WriteAllText(Path.Combine(dir, "x"), step.ToString()));
        }
        Assert.Equal([3L, 4L], store.Complete().Select(c => c.Step));
        Assert.Equal(2, Directory.GetDirectories(_temp.Path).Length);
    }

    [Fact]
    public void FailedWriteLeavesNoCheckpointAndPreviousStaysLatest()
    {
        var store = new CheckpointStore(_temp.Path);
        store.Save(1, dir => File.WriteAllText(Path.Combine(dir, "x"), "1"));
        Assert.Throws<InvalidOperationException>(() => store.Save(2, dir =>
        {
            File.WriteAllText(Path.Combine(dir, "x"), "partial");
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal(1, store.Latest()!.Value.Step);
        Assert.Single(Directory.GetDirectories(_temp.Path));
    }

    [Fact]
    public void IncompleteDirectoriesAreIgnoredAndSwept()
    {
        var store = new CheckpointStore(_temp.Path);
        store.Save(3, dir => File.WriteAllText(Path.Combine(dir, "x"), "3"));
        // What a SIGKILL mid-save leaves: a temp dir, and (from a foreign tool) a step dir without marker.
        Directory.CreateDirectory(Path.Combine(_temp.Path, ".tmp-global_step_7-123-abc"));
        Directory.CreateDirectory(Path.Combine(_temp.Path, "global_step_9"));
        File.WriteAllText(Path.Combine(_temp.Path, "global_step_9", "model.safetensors"), "torn");

        Assert.Equal(3, store.Latest()!.Value.Step);
        Assert.Equal(2, store.SweepLeftovers());
        Assert.Equal(["global_step_3"], Directory.GetDirectories(_temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void SavingAnExistingCompleteStepKeepsIt()
    {
        var store = new CheckpointStore(_temp.Path);
        store.Save(4, dir => File.WriteAllText(Path.Combine(dir, "x"), "first"));
        store.Save(4, dir => File.WriteAllText(Path.Combine(dir, "x"), "second"));
        Assert.Equal("first", File.ReadAllText(Path.Combine(store.PathOf(4), "x")));
    }
}
