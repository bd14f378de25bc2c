using System.Globalization;
using System.Text.Json;
using ToolRL.Torch.IO;

namespace ToolRL.Training.Checkpoints;

/// <summary>
/// A directory that appears all at once: it is filled under a hidden temporary sibling name, gets a
/// <see cref="CompleteMarker"/> file as its last write, and is then renamed into place (atomic on POSIX). A
/// process killed at any moment leaves either the finished directory or an ignorable temporary one.
/// Used for checkpoints and for each finished stage of the training pipeline (data, tokenizer, SFT model).
/// </summary>
internal static class AtomicDirectory
{
    /// <summary>The file written last; its presence means every other file of the directory is complete.</summary>
    public const string CompleteMarker = "COMPLETE";

    /// <summary>Name prefix of the temporary siblings (swept by <see cref="SweepLeftovers"/>).</summary>
    public const string TempPrefix = ".tmp-";

    /// <summary>Name prefix of directories being deleted (renamed first, so a torn deletion never looks complete).</summary>
    public const string TrashPrefix = ".trash-";

    /// <summary>True when <paramref name="directory"/> exists and carries the completion marker.</summary>
    public static bool IsComplete(string directory) => File.Exists(Path.Combine(directory, CompleteMarker));

    /// <summary>
    /// Creates <paramref name="directory"/> with the files <paramref name="fill"/> writes into the temporary
    /// directory it is given. An incomplete leftover under the final name is replaced; a complete one is kept
    /// unless <paramref name="replaceComplete"/> is set.
    /// </summary>
    /// <returns>True when the directory was written, false when a complete one was kept.</returns>
    public static bool Publish(string directory, Action<string> fill, bool replaceComplete = false)
    {
        var final = Path.GetFullPath(directory);
        if (IsComplete(final) && !replaceComplete)
        {
            return false;
        }
        var parent = Path.GetDirectoryName(final)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $"{TempPrefix}{Path.GetFileName(final)}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            var marker = JsonSerializer.Serialize(new { completed_utc = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) });
            AtomicFile.WriteAllText(Path.Combine(temp, CompleteMarker), marker);
            if (Directory.Exists(final))
            {
                MoveToTrashAndDelete(final);
            }
            Directory.Move(temp, final);
            return true;
        }
        catch
        {
            DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>Deletes <paramref name="directory"/> by renaming it to a trash name first, then removing it.</summary>
    public static void MoveToTrashAndDelete(string directory)
    {
        var full = Path.GetFullPath(directory);
        var trash = Path.Combine(Path.GetDirectoryName(full)!, $"{TrashPrefix}{Path.GetFileName(full)}-{Guid.NewGuid():N}");
        Directory.Move(full, trash);
        DeleteQuietly(trash);
    }

    /// <summary>Removes the temporary and trash directories directly under <paramref name="parent"/>; returns how many.</summary>
    public static int SweepLeftovers(string parent)
    {
        if (!Directory.Exists(parent))
        {
            return 0;
        }
        var removed = 0;
        foreach (var dir in Directory.EnumerateDirectories(parent))
        {
            var name = Path.GetFileName(dir);
            if (name.StartsWith(TempPrefix, StringComparison.Ordinal) || name.StartsWith(TrashPrefix, StringComparison.Ordinal))
            {
                DeleteQuietly(dir);
                removed++;
            }
        }
        return removed;
    }

    /// <summary>Deletes a directory tree, ignoring failures (a leftover is swept on the next start).</summary>
    public static void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal static string StepStamp(long step) => step.ToString(CultureInfo.InvariantCulture);
}
