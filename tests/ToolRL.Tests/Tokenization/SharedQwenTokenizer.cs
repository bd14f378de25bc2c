using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Tokenization;

/// <summary>The real Qwen2.5 tokenizer from ../shared, loaded once for all tokenizer tests.</summary>
internal static class SharedQwenTokenizer
{
    private static readonly Lazy<Qwen2Tokenizer> Loaded = new(() => Qwen2Tokenizer.FromDirectory(Folder));

    /// <summary>../shared/models/qwen2.5-tokenizer.</summary>
    public static string Folder => TestPaths.Reference("models", "qwen2.5-tokenizer");

    /// <summary>The tokenizer loaded from tokenizer.json (+ tokenizer_config.json).</summary>
    public static Qwen2Tokenizer Instance => Loaded.Value;
}
