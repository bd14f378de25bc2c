namespace ToolRL.Tokenization;

/// <summary>A tokenizer file that is missing, malformed or describes a tokenizer this library does not implement.</summary>
public sealed class TokenizerFileException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/> with a message that says what is wrong and how to fix it.</summary>
    public TokenizerFileException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The offending file.</summary>
    public string FilePath { get; }
}
