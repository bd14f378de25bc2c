namespace ToolRL.Data;

/// <summary>
/// An RL dataset in the verl/ToolRL layout, loaded whole (rows are small; parquet is still read one row group
/// at a time). Every row is validated: roles, fields, prompt length, and the ground truth by
/// <see cref="DatasetLoadOptions.GroundTruthValidator"/> when one is given.
/// </summary>
public sealed class RlDataset : Dataset<RlRow>
{
    private RlDataset(IReadOnlyList<RlRow> rows, IReadOnlyList<RowProblem> problems)
        : base(rows, problems)
    {
    }

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
