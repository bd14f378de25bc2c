namespace ToolRL.Runs;

/// <summary>
/// A training run was refused before anything in its folder was written or removed: an input is missing or
/// empty, the folder holds a finished run and no flag says what to do with it, or a resume changes the
/// configuration. The message names the file, key or folder and the fix.
/// </summary>
public sealed class RunSetupException : Exception
{
    /// <summary>Creates the exception with a message that names what is wrong and the fix.</summary>
    public RunSetupException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public RunSetupException(string message, Exception inner) : base(message, inner)
    {
    }
}
