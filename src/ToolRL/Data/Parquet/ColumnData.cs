using System.Text.Json.Nodes;

namespace ToolRL.Data.Parquet;

/// <summary>
/// One column chunk in Dremel form, as Arrow decoded it: per entry a repetition and a definition level,
/// and the values of the entries whose definition level is the maximum (the non-null ones), in order.
/// </summary>
/// <param name="Repetition">Repetition levels (all 0 for a column outside any list).</param>
/// <param name="Definition">Definition levels (all at the maximum for a required column).</param>
/// <param name="Values">The non-null values as JSON.</param>
internal sealed record ColumnData(int[] Repetition, int[] Definition, List<JsonNode?> Values)
{
    public int Count => Definition.Length;

    /// <summary>Entries with repetition level 0, i.e. the rows this chunk holds.</summary>
    public int RowCount() => Repetition.Count(r => r == 0);
}
