namespace ToolRL.Data;

/// <summary>A dataset file or row that cannot be used; the message names the file, the row and the fix.</summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception with a complete, user-facing message.</summary>
    public DatasetException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the lower-level cause.</summary>
    public DatasetException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>A row left out at load time.</summary>
/// <param name="Index">The 0-based row position in the source file.</param>
/// <param name="Reason">Why the row was rejected, naming the field and value.</param>
public sealed record RowProblem(int Index, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => $"row {Index}: {Reason}";
}
