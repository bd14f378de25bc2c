using System.Text.Json.Nodes;
using ToolRL.Tokenization;

namespace ToolRL.Data;

/// <summary>The load loop shared by <see cref="RlDataset"/> and <see cref="SftDataset"/>: parse, validate, skip or fail.</summary>
internal static class DatasetLoader
{
    public static (List<T> Rows, List<RowProblem> Problems) Load<T>(
        string path,
        DatasetLoadOptions options,
        Func<JsonObject, int, (T? Row, string? Error)> parse,
        Func<T, IReadOnlyList<ChatMessage>> promptOf,
        Func<T, string?> extraCheck)
        where T : class
    {
        if (options.MaxPromptLength is not null && options.TokenCounter is null)
        {
            throw new ArgumentException("DatasetLoadOptions.MaxPromptLength is set but TokenCounter is null; pass the tokenizer's prompt-length function", nameof(options));
        }
        var rows = new List<T>();
        var problems = new List<RowProblem>();
        var index = 0;
        foreach (var raw in RowSource.Read(path))
        {
            var (row, error) = parse(raw, index);
            error ??= extraCheck(row!) ?? CheckLength(promptOf(row!), options);
            if (error is null)
            {
                rows.Add(row!);
            }
            else if (options.InvalidRows == InvalidRowPolicy.Fail)
            {
                throw new DatasetException($"{path}: row {index}: {error} (set InvalidRows=Skip to leave such rows out)");
            }
            else
            {
                problems.Add(new RowProblem(index, error));
            }
            index++;
        }
        return (rows, problems);
    }

    private static string? CheckLength(IReadOnlyList<ChatMessage> prompt, DatasetLoadOptions options)
    {
        if (options.MaxPromptLength is not { } max || options.Truncation != PromptTruncation.Error)
        {
            return null;
        }
        var length = options.TokenCounter!(prompt);
        return length > max
            ? $"prompt is {length} tokens, longer than MaxPromptLength {max}; raise the limit or use truncation Left/Right"
            : null;
    }
}
