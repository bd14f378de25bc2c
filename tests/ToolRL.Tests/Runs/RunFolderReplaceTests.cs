using ToolRL.Configuration;
using ToolRL.Runs;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Tests.Runs;

/// <summary>
/// Issue #22, faults 3 and 5: a run into a folder holding a finished run used to clear it before checking its
/// inputs (a missing train file cost the earlier run), and input errors surfaced as stack traces after a tokenizer
/// was trained. Inputs are now checked first; replacing a run needs --overwrite, which moves the old run aside
/// and deletes it only once the new run has started, and puts it back after a kill during the move.
/// </summary>
public sealed class RunFolderReplaceTests : IDisposable
{
    private readonly TempDirectory _temp = new("replace");

    public RunFolderReplaceTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private string Run => Path.Combine(_temp.Path, "run");

    /// <summary>A finished run's files (fabricated: only their presence and content matter here); returns path → content.</summary>
    private Dictionary<string, string> FakeFinishedRun()
    {
        var files = new Dictionary<string, string>
        {
            ["checkpoints/global_step_2/COMPLETE"] = "{}",
            ["checkpoints/global_step_2/trainer_state.json"] = "{\"step\": 2}",
            ["sft/COMPLETE"] = "{}",
            ["sft/model/config.json"] = "{\"old\": true}",
            ["tokenizer/COMPLETE"] = "{}",
            ["metrics.jsonl"] = "{\"step\":1}\n{\"step\":2}\n",
            ["report.html"] = "<html>old</html>",
            [RunFolder.ResolvedConfigFile] = "{}",
        };
        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Run, path))!);
            File.WriteAllText(Path.Combine(Run, path), content);
        }
        return files;
    }

    private void AssertRunIntact(Dictionary<string, string> files)
    {
        foreach (var (path, content) in files)
        {
            Assert.True(File.Exists(Path.Combine(Run, path)), $"{path} is gone");
            Assert.Equal(content, File.ReadAllText(Path.Combine(Run, path)));
        }
    }

    [Fact]
    public void AFailingReRunWithAMissingTrainFileLeavesThePreviousRunWhole()
    {
        var files = FakeFinishedRun();
        var missing = Path.Combine(_temp.Path, "missing.jsonl");
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinySft, c =>
            c["data"] = new System.Text.Json.Nodes.JsonObject { ["train_files"] = missing });

        foreach (var flags in new[] { Array.Empty<string>(), ["--overwrite"] })
        {
            var (code, _, err) = Cli.Run(["train", config, "--output", Run, .. flags]);

            Assert.Equal(2, code);
            Cli.AssertOneLineError(err, "data.train_files", missing, "does not exist", "fix:");
            AssertRunIntact(files);
        }
    }

    [Fact]
    public void AnEmptyTrainingFileIsRefusedBeforeAnythingIsWrittenOrTrained()
    {
        var empty = Path.Combine(_temp.Path, "empty.jsonl");
        File.WriteAllText(empty, "");
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinySft, c =>
            c["data"] = new System.Text.Json.Nodes.JsonObject { ["train_files"] = empty });

        var (code, _, err) = Cli.Run("train", config, "--output", Run);

        Assert.Equal(2, code);
        Cli.AssertOneLineError(err, empty, "is empty");
        Assert.False(Directory.Exists(Run), "the run folder was created (a tokenizer may have been trained) before the data were checked");
    }

    [Fact]
    public void AnOutputPathThatIsAFileIsOneLineNotAStackTrace()
    {
        var file = Path.Combine(_temp.Path, "not-a-folder");
        File.WriteAllText(file, "x");
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinySft);

        var (code, _, err) = Cli.Run("train", config, "--output", file);

        Assert.Equal(2, code);
        Cli.AssertOneLineError(err, file, "is a file");
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void AFinishedRunIsReplacedOnlyWithOverwriteAndOnlyAfterTheNewRunStarted()
    {
        var files = FakeFinishedRun();
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinySft);

        var (refused, _, err) = Cli.Run("train", config, "--output", Run);
        Assert.Equal(2, refused);
        Cli.AssertOneLineError(err, "already holds a run", "--resume", "--overwrite");
        AssertRunIntact(files);

        var (code, output, err2) = Cli.Run("train", config, "--output", Run, "--overwrite");
        Assert.True(code == 0, err2);
        Assert.Contains("moved the previous run", output);
        Assert.Contains("deleted the run it replaces", output);
        Assert.False(Directory.Exists(Path.Combine(Run, RunFolder.ReplacedFolder)));
        Assert.False(Directory.Exists(Path.Combine(Run, "checkpoints")), "the old run's checkpoints survived the replacement");
        Assert.True(AtomicDirectory.IsComplete(Path.Combine(Run, "sft")));
        Assert.NotEqual(files["sft/model/config.json"], File.ReadAllText(Path.Combine(Run, "sft", "model", "config.json")));
    }

    [Fact]
    public void AReplacementThatNeverStartedGivesThePreviousRunBack()
    {
        // State after --overwrite moved the old run aside, then died before its first step having written some of its own files.
        var files = FakeFinishedRun();
        var aside = Path.Combine(Run, RunFolder.ReplacedFolder);
        Directory.CreateDirectory(aside);
        foreach (var entry in RunFolder.RunEntries.Where(e => File.Exists(Path.Combine(Run, e)) || Directory.Exists(Path.Combine(Run, e))))
        {
            if (Directory.Exists(Path.Combine(Run, entry)))
            {
                Directory.Move(Path.Combine(Run, entry), Path.Combine(aside, entry));
            }
            else
            {
                File.Move(Path.Combine(Run, entry), Path.Combine(aside, entry));
            }
        }
        Directory.CreateDirectory(Path.Combine(Run, "data"));
        File.WriteAllText(Path.Combine(Run, RunFolder.ResolvedConfigFile), "{\"new\": true}");
        var config = TrainingConfig.Parse(Cli.TinySft);

        var refused = Assert.Throws<RunSetupException>(() => RunFolder.Open(Run, config, new RunStartOptions()));

        Assert.Contains("already holds a run", refused.Message);
        AssertRunIntact(files);
        Assert.False(Directory.Exists(aside));
        Assert.False(Directory.Exists(Path.Combine(Run, "data")), "the failed replacement's own files were kept");
    }

    [Fact]
    public void AKillDuringTheMoveAsideOfOverwriteLosesNothing()
    {
        var files = FakeFinishedRun();
        var config = Cli.WriteConfig(Path.Combine(_temp.Path, "config.json"), Cli.TinySft);
        var replacing = Path.Combine(Run, RunFolder.ReplacingFolder);

        using (var child = Cli.Start(["train", config, "--output", Run, "--overwrite"],
                   new Dictionary<string, string> { ["TOOLRL_TEST_MOVE_ASIDE_PAUSE_MS"] = "60000" }))
        {
            Cli.WaitFor(() => Directory.Exists(replacing) && Directory.EnumerateFileSystemEntries(replacing).Any(), child, "the move-aside");
            child.Kill(entireProcessTree: true);   // SIGKILL with the old run half moved
            child.WaitForExit();
        }
        Assert.True(File.Exists(Path.Combine(Run, "metrics.jsonl")), "the kill should land mid-move, with part of the run still in place");

        var (code, output, err) = Cli.Run("train", config, "--output", Run);

        Assert.Equal(2, code);
        Cli.AssertOneLineError(err, "already holds a run");
        Assert.Contains("it is back in place", output);
        AssertRunIntact(files);
        Assert.False(Directory.Exists(replacing));
    }
}
