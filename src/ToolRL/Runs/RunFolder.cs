using Microsoft.Extensions.Logging;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Torch.IO;
using ToolRL.Training;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Validation;

namespace ToolRL.Runs;

/// <summary>
/// A run's output folder, opened for one run and locked until <see cref="Dispose"/>. Opening does, in this order:
/// checks every input (<see cref="RunInputCheck"/>) before anything is written; locks the folder
/// (<see cref="RunFolderLock"/>); puts back a previous run that an interrupted <c>--overwrite</c> had moved aside;
/// refuses to start over a finished run unless asked to resume it or replace it; on resume compares the
/// configuration with the run's (<see cref="ConfigChange"/>); and only then writes <c>config.resolved.json</c> and
/// a <see cref="ConfigHistory"/> entry. A replaced run is moved aside and deleted by <see cref="ConfirmStarted"/>,
/// once the new run has finished its first step: a failing replacement never costs the old run.
/// </summary>
public sealed class RunFolder : IDisposable
{
    /// <summary>The resolved configuration the run was last started with.</summary>
    public const string ResolvedConfigFile = "config.resolved.json";

    /// <summary>Where an <c>--overwrite</c> moves the previous run while it is being moved (incomplete).</summary>
    public const string ReplacingFolder = ".replacing-run";

    /// <summary>Where the previous run waits, complete, until the replacing run has started.</summary>
    public const string ReplacedFolder = ".replaced-run";

    /// <summary>The files and folders that make up a run (what <c>--overwrite</c> replaces; nothing else is touched).</summary>
    public static readonly IReadOnlyList<string> RunEntries =
    [
        "data", "tokenizer", "sft", "rft", "checkpoints", ValidationLog.FolderName, MetricsLog.JsonlFileName, MetricsLog.CsvFileName, MetricsLog.TensorBoardFolder, "report.html",
        AgentRun.EvalFileName, ResolvedConfigFile, ConfigHistory.FileName,
    ];

    private readonly RunFolderLock _lock;
    private readonly Action<string> _log;
    private bool _confirmed;

    private RunFolder(RunFolderLock folderLock, IReadOnlyDictionary<string, double> recorded, Action<string> log)
    {
        _lock = folderLock;
        RecordedSettings = recorded;
        _log = log;
    }

    /// <summary>The folder.</summary>
    public string Path => _lock.Folder;

    /// <summary>Values to record on every step (<see cref="ConfigHistory.RecordedSettings"/>); empty for an unchanged run.</summary>
    public IReadOnlyDictionary<string, double> RecordedSettings { get; }

    /// <summary>Test hook: milliseconds to pause after each entry moved aside (<c>TOOLRL_TEST_MOVE_ASIDE_PAUSE_MS</c>).</summary>
    internal static int MoveAsidePauseMilliseconds =>
        int.TryParse(Environment.GetEnvironmentVariable("TOOLRL_TEST_MOVE_ASIDE_PAUSE_MS"), out var ms) ? ms : 0;

    /// <summary>Checks the inputs, locks <paramref name="folder"/> and prepares it for a run of <paramref name="config"/>.</summary>
    /// <exception cref="RunSetupException">An input is unusable, the folder holds a run and the options do not say what to do, or a resume changes the configuration.</exception>
    /// <exception cref="RunFolderLockedException">Another run holds the folder.</exception>
    public static RunFolder Open(string folder, TrainingConfig config, RunStartOptions options, ILogger? logger = null)
    {
        var log = ProgressLog.Notes(logger);
        var full = System.IO.Path.GetFullPath(folder);
        if (options.Resume && options.Overwrite)
        {
            throw new RunSetupException("--resume and --overwrite contradict each other; fix: pass one of them");
        }
        if (File.Exists(full))
        {
            throw new RunSetupException($"output {full} is a file, not a folder; fix: pass a folder with --output (or trainer.output_dir)");
        }
        RunInputCheck.Check(config);
        RunFolderLock folderLock;
        try
        {
            folderLock = RunFolderLock.Acquire(full);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException && e is not RunFolderLockedException)
        {
            throw new IOException($"cannot create or lock the run folder {full}: {e.Message}; fix: pass a writable folder with --output", e);
        }
        try
        {
            RecoverInterruptedReplace(full, log);
            var resolved = config.ToJson();
            var changes = new List<ConfigChange>();
            long? resumedAfter = null;
            if (options.Resume)
            {
                resumedAfter = new CheckpointStore(System.IO.Path.Combine(full, "checkpoints")).Latest()?.Step ?? 0;
                changes.AddRange(CheckResume(full, resolved, options.AllowConfigChange, log));
            }
            else if (RunEntries.FirstOrDefault(e => Exists(System.IO.Path.Combine(full, e))) is { } found)
            {
                if (!options.Overwrite)
                {
                    throw new RunSetupException($"run folder {full} already holds a run ({found} exists); "
                        + "fix: pass --resume to continue it, --overwrite to replace it, or another --output");
                }
                MoveAside(full, log);
            }
            AtomicFile.WriteAllText(System.IO.Path.Combine(full, ResolvedConfigFile), config.ToJsonString() + "\n");
            ConfigHistory.Append(full, options.Resume ? "resume" : "start", resumedAfter, changes);
            return new RunFolder(folderLock, ConfigHistory.RecordedSettings(full, resolved), log);
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Called once the run has made progress (its first step, or its end): deletes the run that
    /// <c>--overwrite</c> moved aside. Until then a failed start puts the old run back on the next open.
    /// </summary>
    public void ConfirmStarted()
    {
        if (_confirmed)
        {
            return;
        }
        _confirmed = true;
        var replaced = System.IO.Path.Combine(Path, ReplacedFolder);
        if (Directory.Exists(replaced))
        {
            AtomicDirectory.MoveToTrashAndDelete(replaced);
            _log("run folder: the new run has started; deleted the run it replaces");
        }
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => _lock.Dispose();

    private static IReadOnlyList<ConfigChange> CheckResume(string folder, JsonObject resolved, bool allowChange, Action<string> log)
    {
        var path = System.IO.Path.Combine(folder, ResolvedConfigFile);
        if (!File.Exists(path))
        {
            return [];   // nothing to resume yet (or a run older than this file): a fresh start, as --resume always allowed
        }
        JsonObject previous;
        try
        {
            previous = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException e)
        {
            throw new RunSetupException($"{path} cannot be read ({e.Message}), so the resumed configuration cannot be checked; fix: restore the file, or start a new run with --overwrite", e);
        }
        var changes = ConfigChange.Compare(previous, resolved);
        var shape = changes.Where(c => c.Kind == ConfigChangeKind.Shape).ToList();
        if (shape.Count > 0)
        {
            throw new RunSetupException($"cannot resume the run in {folder} with a changed configuration: {string.Join(", ", shape)} "
                + $"change what the run is; fix: restore {(shape.Count == 1 ? "this key" : "these keys")} as in {path}, or start a new run with --overwrite or another --output");
        }
        var schedule = changes.Where(c => c.Kind == ConfigChangeKind.Schedule).ToList();
        if (schedule.Count > 0 && !allowChange)
        {
            throw new RunSetupException($"resuming the run in {folder} would change {string.Join(", ", schedule)}; "
                + "fix: pass --allow-config-change to apply the change (it is logged and recorded in config_history.jsonl and metrics.jsonl), or restore the old values");
        }
        foreach (var change in schedule)
        {
            log($"resume: configuration change applied: {change}");
        }
        return schedule;
    }

    private static void MoveAside(string folder, Action<string> log)
    {
        var replacing = System.IO.Path.Combine(folder, ReplacingFolder);
        Directory.CreateDirectory(replacing);
        foreach (var entry in RunEntries)
        {
            var source = System.IO.Path.Combine(folder, entry);
            if (Exists(source))
            {
                Move(source, System.IO.Path.Combine(replacing, entry));
                if (MoveAsidePauseMilliseconds > 0)
                {
                    Thread.Sleep(MoveAsidePauseMilliseconds);
                }
            }
        }
        Directory.Move(replacing, System.IO.Path.Combine(folder, ReplacedFolder));
        log($"run folder: --overwrite moved the previous run to {ReplacedFolder}; it is deleted once the new run has started");
    }

    /// <summary>Puts back a previous run left aside by an --overwrite that was interrupted or never started.</summary>
    private static void RecoverInterruptedReplace(string folder, Action<string> log)
    {
        var replacing = System.IO.Path.Combine(folder, ReplacingFolder);
        if (Directory.Exists(replacing))
        {
            // Interrupted while moving: the entries still in place are the old run's too, so both halves go back together.
            MoveBack(replacing, folder);
            log($"run folder: an interrupted --overwrite had begun moving the previous run aside; it is back in place");
        }
        var replaced = System.IO.Path.Combine(folder, ReplacedFolder);
        if (Directory.Exists(replaced))
        {
            // The replacing run never finished a step: what it wrote is discarded and the previous run returns.
            foreach (var entry in RunEntries)
            {
                Delete(System.IO.Path.Combine(folder, entry));
            }
            MoveBack(replaced, folder);
            log($"run folder: the run that was to replace the previous one never started; the previous run is back in place");
        }
    }

    private static void MoveBack(string aside, string folder)
    {
        foreach (var source in Directory.EnumerateFileSystemEntries(aside).ToList())
        {
            var target = System.IO.Path.Combine(folder, System.IO.Path.GetFileName(source));
            if (!Exists(target))
            {
                Move(source, target);
            }
        }
        if (!Directory.EnumerateFileSystemEntries(aside).Any())
        {
            Directory.Delete(aside);
        }
    }

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    private static void Move(string source, string target)
    {
        if (Directory.Exists(source))
        {
            Directory.Move(source, target);
        }
        else
        {
            File.Move(source, target);
        }
    }

    private static void Delete(string path)
    {
        if (Directory.Exists(path))
        {
            AtomicDirectory.MoveToTrashAndDelete(path);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
