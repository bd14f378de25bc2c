using System.Globalization;
using ToolRL.Torch.IO;

namespace ToolRL.Training.Checkpoints;

/// <summary>
/// The checkpoints of one run, under <c>ROOT/global_step_N/</c> as verl names them. Each is published with
/// <see cref="AtomicDirectory"/> (filled under a temporary name, completion marker written last, renamed into
/// place), so a run killed at any moment, even by SIGKILL in the middle of writing a model, leaves either a
/// complete checkpoint or a temporary directory that is ignored and swept on the next start:
/// <see cref="Latest"/> never returns a half-written one.
/// </summary>
internal sealed class CheckpointStore
{
    /// <summary>The file written last inside a checkpoint (see <see cref="AtomicDirectory.CompleteMarker"/>).</summary>
    public const string CompleteMarker = AtomicDirectory.CompleteMarker;

    /// <summary>Name prefix of a finished checkpoint directory (verl's <c>global_step_{N}</c>).</summary>
    public const string StepPrefix = "global_step_";

    /// <summary>verl's pointer file to the newest checkpoint; informative only, the scan is authoritative.</summary>
    public const string LatestPointerFile = "latest_checkpointed_iteration.txt";

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
    public string PathOf(long step) => Path.Combine(Root, StepPrefix + AtomicDirectory.StepStamp(step));

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
            if (long.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out var step) && AtomicDirectory.IsComplete(dir))
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
    /// directory, which is then published atomically. A complete checkpoint of the same step that already exists
    /// is kept as it is (a resumed run re-reaching a saved step writes the same state). Older checkpoints beyond
    /// <see cref="Keep"/> are removed afterwards.
    /// </summary>
    /// <returns>The final directory of the checkpoint.</returns>
    public string Save(long step, Action<string> writeContents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var final = PathOf(step);
        AtomicDirectory.Publish(final, writeContents);
        AtomicFile.WriteAllText(Path.Combine(Root, LatestPointerFile), AtomicDirectory.StepStamp(step));
        var all = Complete();
        for (var i = 0; i < all.Count - Keep; i++)
        {
            AtomicDirectory.MoveToTrashAndDelete(all[i].Path);
        }
        return final;
    }

    /// <summary>
    /// Removes what a run killed while saving or pruning leaves: temporary and trash directories, and step
    /// directories without the completion marker (never produced by this class, but possible from other tools).
    /// </summary>
    /// <returns>How many leftovers were removed.</returns>
    public int SweepLeftovers()
    {
        var removed = AtomicDirectory.SweepLeftovers(Root);
        if (!Directory.Exists(Root))
        {
            return removed;
        }
        foreach (var dir in Directory.EnumerateDirectories(Root, StepPrefix + "*"))
        {
            if (!AtomicDirectory.IsComplete(dir))
            {
                AtomicDirectory.DeleteQuietly(dir);
                removed++;
            }
        }
        return removed;
    }
}
