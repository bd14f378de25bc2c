namespace ToolRL.Data;

/// <summary>
/// An RL dataset in the verl/ToolRL layout, loaded whole (rows are small; parquet is still read one row group
/// at a time). Every row is validated: roles, fields, prompt length, and the ground truth by
/// <see cref="DatasetLoadOptions.GroundTruthValidator"/> when one is given.
/// </summary>
public sealed class RlDataset
{
    private RlDataset(IReadOnlyList<RlRow> rows, IReadOnlyList<RowProblem> problems)
    {
        Rows = rows;
        Problems = problems;
    }

    /// <summary>The valid rows, in file order.</summary>
    public IReadOnlyList<RlRow> Rows { get; }

    /// <summary>The rows left out under <see cref="InvalidRowPolicy.Skip"/>, with their index and reason.</summary>
    public IReadOnlyList<RowProblem> Problems { get; }

    /// <summary>Number of valid rows.</summary>
    public int Count => Rows.Count;

    /// <summary>Loads <paramref name="path"/> (.parquet, .jsonl or .json).</summary>
    /// <exception cref="DatasetException">The file is unreadable, or a row is invalid under <see cref="InvalidRowPolicy.Fail"/>.</exception>
    public static RlDataset Load(string path, DatasetLoadOptions? options = null)
    {
        options ??= DatasetLoadOptions.Default;
        var validator = options.GroundTruthValidator;
        var (rows, problems) = DatasetLoader.Load(path, options, RowParser.ParseRl, row => row.Prompt, row => validator?.Invoke(row.GroundTruth));
        return new RlDataset(rows, problems);
    }

    /// <summary>Wraps rows made in memory (e.g. by <see cref="SyntheticToolTask"/>).</summary>
    public static RlDataset FromRows(IEnumerable<RlRow> rows) => new(rows.ToList(), []);
}
