namespace ToolRL.Data.Parquet;

/// <summary>
/// One decoded column chunk in Dremel form: per entry a repetition and a definition level, and the values of
/// the entries whose definition level is the maximum (the non-null ones), in order.
/// </summary>
internal sealed class ColumnData
{
    private byte[] _repetition;
    private byte[] _definition;

    /// <param name="expected">The count the metadata claims; storage grows with the decoded data, never with the claim.</param>
    public ColumnData(long expected)
    {
        var initial = (int)Math.Min(expected, 1 << 16);
        _repetition = new byte[initial];
        _definition = new byte[initial];
    }

    public byte[] Repetition => _repetition;
    public byte[] Definition => _definition;
    public List<object> Values { get; } = [];
    public int Count { get; set; }

    /// <summary>Makes room for <paramref name="more"/> entries after <see cref="Count"/>.</summary>
    public void Reserve(int more)
    {
        var needed = (long)Count + more;
        if (needed <= _repetition.Length)
        {
            return;
        }
        var size = (int)Math.Min(Math.Max(needed, 2L * _repetition.Length), Array.MaxLength);
        Array.Resize(ref _repetition, size);
        Array.Resize(ref _definition, size);
    }

    /// <summary>Entries with repetition level 0, i.e. the rows this chunk holds.</summary>
    public int RowCount()
    {
        var rows = 0;
        for (var i = 0; i < Count; i++)
        {
            rows += _repetition[i] == 0 ? 1 : 0;
        }
        return rows;
    }
}
