using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Torch.IO;

namespace ToolRL.Training.Checkpoints;

/// <summary>
/// The configuration copied into each checkpoint (<c>training_config.json</c>): the resolved configuration when it
/// is at most <see cref="MaxCopiedBytes"/>, else a short note with its size and SHA-256 pointing at the run's
/// <c>config.resolved.json</c>, so a configuration carrying large inline options is not copied into every checkpoint.
/// </summary>
internal static class CheckpointConfig
{
    /// <summary>Largest resolved configuration copied whole (a real one is a few kilobytes).</summary>
    public const int MaxCopiedBytes = 256 * 1024;

    /// <summary>Writes the copy (or the note) to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, TrainingConfig config)
    {
        var text = config.ToJsonString() + "\n";
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes <= MaxCopiedBytes)
        {
            AtomicFile.WriteAllText(path, text);
            return;
        }
        var note = new JsonObject
        {
            ["omitted"] = $"the resolved configuration is {bytes:N0} bytes, over the {MaxCopiedBytes:N0}-byte limit of a checkpoint copy; see config.resolved.json in the run folder",
            ["bytes"] = bytes,
            ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))),
        };
        AtomicFile.WriteAllText(path, note.ToJsonString() + "\n");
    }
}
