namespace ToolRL.Data;

/// <summary>
/// Rows loaded whole and validated (<see cref="RlDataset"/>, <see cref="SftDataset"/>): the valid rows in file order
/// and, under <see cref="InvalidRowPolicy.Skip"/>, the rows left out with their index and reason.
/// </summary>
/// <typeparam name="TRow">The row type.</typeparam>
public abstract class Dataset<TRow>
{
    /// <summary>Keeps the loaded rows and the problems found while loading them.</summary>
    private protected Dataset(IReadOnlyList<TRow> rows, IReadOnlyList<RowProblem> problems)
    {
        Rows = rows;
        Problems = problems;
    }

    /// <summary>The valid rows, in file order.</summary>
    public IReadOnlyList<TRow> Rows { get; }

    /// <summary>The rows left out under <see cref="InvalidRowPolicy.Skip"/>, with their index and reason.</summary>
    public IReadOnlyList<RowProblem> Problems { get; }

    /// <summary>Number of valid rows.</summary>
    public int Count => Rows.Count;
}
