using System.Globalization;
using ToolRL.Torch.IO;

namespace ToolRL.Runs;

/// <summary>
/// An exclusive lock on a run folder, held for the whole run: <see cref="FileName"/> is opened with
/// <see cref="FileShare.None"/>, which .NET maps to an OS lock (<c>flock(LOCK_EX)</c> on Linux and macOS, a sharing
/// mode on Windows). The OS drops it when the process ends in any way, so a crashed run leaves a stale file that
/// the next run simply locks again. The holder's PID goes to <see cref="OwnerFileName"/> (the lock file itself
/// cannot be read while locked), which only the error message of a refused second run reads.
/// </summary>
public sealed class RunFolderLock : IDisposable
{
    /// <summary>The locked file inside the run folder.</summary>
    public const string FileName = "run.lock";

    /// <summary>Who holds the lock: PID, host and start time (informative; the OS lock is authoritative).</summary>
    public const string OwnerFileName = "run.lock.owner";

    private readonly FileStream _stream;

    private RunFolderLock(string folder, FileStream stream)
    {
        Folder = folder;
        _stream = stream;
    }

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    /// <summary>Creates <paramref name="folder"/> when needed and locks it, or fails at once.</summary>
    /// <exception cref="RunFolderLockedException">Another process (or another lock in this one) holds the folder.</exception>
    public static RunFolderLock Acquire(string folder)
    {
        var full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        var path = Path.Combine(full, FileName);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
        {
            throw new RunFolderLockedException(full, ReadOwner(full), e);
        }
        var owner = string.Create(CultureInfo.InvariantCulture,
            $"PID {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC");
        AtomicFile.WriteAllText(Path.Combine(full, OwnerFileName), owner + "\n");
        return new RunFolderLock(full, stream);
    }

    /// <summary>The holder named in the owner file, waiting briefly for a holder that has just locked.</summary>
    private static string? ReadOwner(string folder)
    {
        var path = Path.Combine(folder, OwnerFileName);
        for (var attempt = 0; attempt < 20; attempt++)
        {
            try
            {
                if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } text)
                {
                    return text;
                }
            }
            catch (IOException)
            {
            }
            Thread.Sleep(50);
        }
        return null;
    }

    /// <summary>Releases the lock (the owner file is left; it is rewritten by the next holder).</summary>
    public void Dispose() => _stream.Dispose();
}
