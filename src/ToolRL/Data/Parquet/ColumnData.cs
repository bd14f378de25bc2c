namespace ToolRL.Data.Parquet;

/// <summary>
/// One decoded column chunk in Dremel form: per entry a repetition and a definition level, and the values of
/// the entries whose definition level is the maximum (the non-null ones), in order.
/// </summary>
internal sealed class ColumnData
{
    public ColumnData(int capacity)
    {
        Repetition = new byte[capacity];
        Definition = new byte[capacity];
    }

    public byte[] Repetition { get; }
    public byte[] Definition { get; }
    public List<object> Values { get; } = [];
    public int Count { get; set; }
}
