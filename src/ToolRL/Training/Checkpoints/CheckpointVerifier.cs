using System.Text.Json;
using ToolRL.Torch;
using ToolRL.Torch.IO;

namespace ToolRL.Training.Checkpoints;

/// <summary>
/// Chooses the checkpoint a resume starts from: the newest complete one whose files all read (every safetensors
/// header valid and its tensors within the file, every JSON file parseable, the trainer state readable). A
/// checkpoint that is marked complete but damaged afterwards (a truncated optimizer file, a disk error) is
/// renamed out of the way, kept for inspection, and named in a warning; the previous one is used instead.
/// </summary>
internal static class CheckpointVerifier
{
    /// <summary>Name prefix of a damaged checkpoint set aside (not a <c>global_step_N</c> name, so never resumed or pruned).</summary>
    public const string DamagedPrefix = "damaged-";

    /// <summary>Why the checkpoint in <paramref name="directory"/> cannot be loaded, or null when every file reads.</summary>
    public static string? Problem(string directory)
    {
        try
        {
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (file.EndsWith(".safetensors", StringComparison.Ordinal))
                {
                    Safetensors.ReadHeader(file);
                }
                else if (file.EndsWith(".json", StringComparison.Ordinal))
                {
                    using var stream = File.OpenRead(file);
                    using var _ = JsonDocument.Parse(stream);
                }
            }
            TrainerState.Load(directory);
            return null;
        }
        catch (Exception e) when (e is SafetensorsFormatException or JsonException or InvalidDataException or IOException or UnauthorizedAccessException or TorchException)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// The newest complete checkpoint of <paramref name="store"/> that loads (see <see cref="Problem"/>), setting
    /// newer damaged ones aside with a warning through <paramref name="log"/>; null when there is no checkpoint.
    /// </summary>
    /// <exception cref="InvalidDataException">There are checkpoints but none of them loads.</exception>
    public static (long Step, string Path)? NewestLoadable(CheckpointStore store, Action<string>? log)
    {
        var complete = store.Complete();
        var problems = new List<string>();
        for (var i = complete.Count - 1; i >= 0; i--)
        {
            var (step, path) = complete[i];
            if (Problem(path) is not { } problem)
            {
                return (step, path);
            }
            var aside = Path.Combine(store.Root, $"{DamagedPrefix}{Path.GetFileName(path)}-{DateTime.UtcNow:yyyyMMddTHHmmss}");
            Directory.Move(path, aside);
            problems.Add($"{Path.GetFileName(path)}: {problem}");
            log?.Invoke($"warning: resume: skipped checkpoint {path} ({problem}); it is kept as {aside}; "
                        + (i > 0 ? $"falling back to {complete[i - 1].Path}" : "no older checkpoint is left"));
        }
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"no checkpoint in {store.Root} loads ({string.Join("; ", problems)}); fix: start the run again with --overwrite");
        }
        return null;
    }
}
