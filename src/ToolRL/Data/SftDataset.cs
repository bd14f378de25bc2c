namespace ToolRL.Data;

/// <summary>
/// An SFT dataset: conversations ending with the assistant answer to learn. Reads <c>messages</c>,
/// <c>prompt</c>/<c>response</c>, the <c>rlla_sft.json</c> instruction/input/output layout, and RL rows
/// (their ground truth becomes the answer).
/// </summary>
public sealed class SftDataset : Dataset<SftRow>
{
    private SftDataset(IReadOnlyList<SftRow> rows, IReadOnlyList<RowProblem> problems)
        : base(rows, problems)
    {
    }

    /// <summary>
    /// Loads <paramref name="path"/>. The ground-truth validator is not applied (SFT answers carry free thoughts,
    /// e.g. the R1-distilled ones of <c>rlla_sft.json</c>); the length limit applies to the prompt part.
    /// </summary>
    public static SftDataset Load(string path, DatasetLoadOptions? options = null)
    {
        options ??= DatasetLoadOptions.Default;
        var (rows, problems) = DatasetLoader.Load(path, options, RowParser.ParseSft, row => row.Prompt, _ => null);
        return new SftDataset(rows, problems);
    }

    /// <summary>Wraps rows made in memory.</summary>
    public static SftDataset FromRows(IEnumerable<SftRow> rows) => new(rows.ToList(), []);
}
