using System.Text;

namespace ToolRL.Torch.IO;

/// <summary>
/// Whole-file writes that are all-or-nothing, the one way every ToolRL package writes a file: the content goes
/// to a uniquely named temporary sibling, is flushed to disk (fsync), and is then renamed over the target. POSIX
/// rename is atomic, so a reader (or a run killed with SIGKILL in the middle) sees either the old file or the new
/// one, never a torn mix; a write that throws deletes its temporary file and leaves the old file as it was.
/// </summary>
/// <remarks>
/// It lives in ToolRL.Torch, the lowest layer, because the safetensors writer needs it and every other package
/// (ToolRL, the CLI, user code) references this one.
/// </remarks>
public static class AtomicFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(Utf8NoBom.GetBytes(text)));

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) =>
        Write(path, stream => stream.Write(bytes));

    /// <summary>Writes each of <paramref name="lines"/> followed by '\n' (UTF-8, no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteAllLines(string path, IEnumerable<string> lines) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, leaveOpen: true) { NewLine = "\n" };
            foreach (var line in lines)
            {
                writer.WriteLine(line);
            }
        });

    /// <summary>Copies <paramref name="source"/> to <paramref name="path"/> atomically (the target is never seen half-copied).</summary>
    public static void Copy(string source, string path) =>
        Write(path, stream =>
        {
            using var from = File.OpenRead(source);
            from.CopyTo(stream);
        });

    /// <summary>
    /// Writes whatever <paramref name="write"/> puts into the stream to <paramref name="path"/> atomically;
    /// the directory is created if needed. If <paramref name="write"/> throws, the exception propagates, the
    /// temporary file is deleted and <paramref name="path"/> is untouched.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = TempPath(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    // Hidden, unique per process and call: two writers of the same target never share a temporary file.
    private static string TempPath(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
}
