using System.Globalization;
using System.Text.Json;

namespace ToolRL.Training.Checkpoints;

/// <summary>
/// The checkpoints of one run, under <c>ROOT/global_step_N/</c> as verl names them. A checkpoint is built in a
/// hidden temporary directory, gets a <see cref="CompleteMarker"/> file as its last write, and only then is
/// renamed to its final name (an atomic directory rename). So a run killed at any moment (even SIGKILL in the
/// middle of writing a model) leaves either a complete checkpoint or a temporary directory that is ignored
/// and swept away on the next start; <see cref="Latest"/> never returns a half-written one.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>The file written last inside a checkpoint; its presence means every other file is complete.</summary>
    public const string CompleteMarker = "COMPLETE";

    /// <summary>Name prefix of a finished checkpoint directory (verl's <c>global_step_{N}</c>).</summary>
    public const string StepPrefix = "global_step_";

    /// <summary>verl's pointer file to the newest checkpoint; informative only, the scan is authoritative.</summary>
    public const string LatestPointerFile = "latest_checkpointed_iteration.txt";

    private const string TempPrefix = ".tmp-";
    private const string TrashPrefix = ".trash-";

    /// <summary>Creates a store rooted at <paramref name="root"/> that keeps the newest <paramref name="keep"/> checkpoints.</summary>
    /// <param name="root">Directory holding the <c>global_step_N</c> folders; created when missing.</param>
    /// <param name="keep">How many complete checkpoints to keep (older ones are deleted after each save); at least 1.</param>
    public CheckpointStore(string root, int keep = 2)
    {
        if (keep < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(keep), keep, "keep must be at least 1: the newest checkpoint is what --resume needs.");
        }
        Root = Path.GetFullPath(root);
        Keep = keep;
    }

    /// <summary>The directory holding the checkpoints.</summary>
    public string Root { get; }

    /// <summary>How many complete checkpoints are kept.</summary>
    public int Keep { get; }

    /// <summary>The final directory of the checkpoint of <paramref name="step"/>.</summary>
    public string PathOf(long step) => Path.Combine(Root, StepPrefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>Complete checkpoints, oldest first.</summary>
    public IReadOnlyList<(long Step, string Path)> Complete()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        var found = new List<(long, string)>();
        foreach (var dir in Directory.EnumerateDirectories(Root, StepPrefix + "*"))
        {
            var suffix = Path.GetFileName(dir)[StepPrefix.Length..];
            if (long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var step)
                && File.Exists(Path.Combine(dir, CompleteMarker)))
            {
                found.Add((step, dir));
            }
        }
        found.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return found;
    }

    /// <summary>The newest complete checkpoint, or null when there is none.</summary>
    public (long Step, string Path)? Latest()
    {
        var all = Complete();
        return all.Count == 0 ? null : all[^1];
    }

    /// <summary>
    /// Writes the checkpoint of <paramref name="step"/>: <paramref name="writeContents"/> fills a fresh temporary
    /// directory, then the marker is written and the directory renamed into place. A complete checkpoint of the
    /// same step that already exists is kept as it is (a resumed run re-reaching a saved step writes the same
    /// state). Older checkpoints beyond <see cref="Keep"/> are removed afterwards.
    /// </summary>
    /// <returns>The final directory of the checkpoint.</returns>
    public string Save(long step, Action<string> writeContents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        Directory.CreateDirectory(Root);
        var final = PathOf(step);
        if (File.Exists(Path.Combine(final, CompleteMarker)))
        {
            return final;
        }
        var temp = Path.Combine(Root, $"{TempPrefix}{StepPrefix}{step}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            writeContents(temp);
            var marker = JsonSerializer.Serialize(new { step, saved_utc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) });
            AtomicFile.WriteAllText(Path.Combine(temp, CompleteMarker), marker);
            if (Directory.Exists(final))
            {
                // An incomplete leftover under the final name (cannot come from this class, but be safe).
                MoveToTrashAndDelete(final);
            }
            Directory.Move(temp, final);
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
        AtomicFile.WriteAllText(Path.Combine(Root, LatestPointerFile), step.ToString(CultureInfo.InvariantCulture));
        Prune();
        return final;
    }

    /// <summary>Removes temporary and trash directories left by a run that was killed while saving or pruning.</summary>
    /// <returns>How many leftovers were removed.</returns>
    public int SweepLeftovers()
    {
        if (!Directory.Exists(Root))
        {
            return 0;
        }
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(dir);
            var isLeftover = name.StartsWith(TempPrefix, StringComparison.Ordinal)
                || name.StartsWith(TrashPrefix, StringComparison.Ordinal)
                || (name.StartsWith(StepPrefix, StringComparison.Ordinal) && !File.Exists(Path.Combine(dir, CompleteMarker)));
            if (isLeftover)
            {
                DeleteQuietly(dir);
                removed++;
            }
        }
        return removed;
    }

    private void Prune()
    {
        var all = Complete();
        for (var i = 0; i < all.Count - Keep; i++)
        {
            MoveToTrashAndDelete(all[i].Path);
        }
    }

    // Renaming first means a deletion interrupted half-way never leaves a "complete" directory missing files.
    private void MoveToTrashAndDelete(string dir)
    {
        var trash = Path.Combine(Root, $"{TrashPrefix}{Path.GetFileName(dir)}-{Guid.NewGuid():N}");
        Directory.Move(dir, trash);
        DeleteQuietly(trash);
    }

    private static void DeleteQuietly(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover that cannot be removed now is swept on the next start; it is never mistaken for a checkpoint.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
