namespace ToolRL.Cli;

/// <summary>The exit codes of <c>toolrl</c>, as <c>dotnet</c> and POSIX tools use them.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A runtime failure: the work started and failed (I/O, a corrupt model file, a locked run folder, lines that could not be scored).</summary>
    public const int Failure = 1;

    /// <summary>A usage or configuration error: bad options, an invalid configuration, a missing or unusable input; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>Interrupted (SIGINT), as shells report 128 + 2.</summary>
    public const int Interrupted = 130;
}
