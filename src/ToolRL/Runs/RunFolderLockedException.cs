namespace ToolRL.Runs;

/// <summary>Another process holds the run folder's lock: two runs must never write into one folder.</summary>
public sealed class RunFolderLockedException : Exception
{
    /// <summary>Creates the exception for <paramref name="folder"/>, naming the holder when it is known.</summary>
    public RunFolderLockedException(string folder, string? holder, Exception? inner = null)
        : base($"run folder {folder} is in use by another run ({holder ?? "holder not known yet"}); "
               + "fix: wait for that run to finish or stop it, or pass another --output", inner)
    {
        Folder = folder;
        Holder = holder;
    }

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    /// <summary>The holder as its owner file describes it ("PID 1234 on host, since …"), or null.</summary>
    public string? Holder { get; }
}
