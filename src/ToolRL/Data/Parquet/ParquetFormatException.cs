namespace ToolRL.Data.Parquet;

/// <summary>A parquet file that is corrupt, truncated or uses a feature this reader does not support.</summary>
public sealed class ParquetFormatException : IOException
{
    /// <summary>Creates the exception with a user-facing message naming the file and the part at fault.</summary>
    public ParquetFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception wrapping the lower-level cause.</summary>
    public ParquetFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
