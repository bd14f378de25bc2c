using System.Globalization;
using System.Text.Json.Nodes;
using Parquet;
using Parquet.Data;
using Parquet.Schema;

namespace ToolRL.Data.Parquet;

/// <summary>
/// Reads one leaf column of a row group through Parquet.Net and turns its values into JSON the way rows expose
/// them: strings, numbers, booleans, ISO-8601 dates and times (timestamps adjusted to UTC end in "Z"), exact
/// decimals, and binary without a text annotation as base64.
/// </summary>
internal static class LeafValues
{
    public static ColumnData Read(ParquetRowGroupReader group, DataField field, SchemaNode leaf)
    {
        using var raw = group.ReadRawColumnDataBaseAsync(field).AsTask().GetAwaiter().GetResult();
        var values = Convert(raw, leaf);
        var definition = field.MaxDefinitionLevel > 0 ? raw.DefinitionLevels.ToArray() : Filled(values.Count, 0);
        var repetition = field.MaxRepetitionLevel > 0 ? raw.RepetitionLevels.ToArray() : new int[definition.Length];
        if (repetition.Length != definition.Length)
        {
            throw new ParquetFormatException($"column '{leaf.Path}' has {repetition.Length} repetition levels but {definition.Length} definition levels");
        }
        return new ColumnData(repetition, definition, values);
    }

    private static int[] Filled(int count, int value)
    {
        var levels = new int[count];
        Array.Fill(levels, value);
        return levels;
    }

    private static List<JsonNode?> Convert(RawColumnData raw, SchemaNode leaf) => raw switch
    {
        RawColumnData<bool> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<int> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<long> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<uint> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<ulong> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<short> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<ushort> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<sbyte> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<byte> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<float> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<double> c => Map(c.Values, v => JsonValue.Create(v)),
        RawColumnData<Half> c => Map(c.Values, v => JsonValue.Create((double)v)),
        RawColumnData<decimal> c => Map(c.Values, v => JsonValue.Create(WithScale(v, leaf))),
        RawColumnData<BigDecimal> c => Map(c.Values, v => JsonValue.Create(v.ToString())),
        RawColumnData<DateTime> c => Map(c.Values, v => JsonValue.Create(DateTimeText(v, leaf))),
        RawColumnData<DateOnly> c => Map(c.Values, v => JsonValue.Create(v.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))),
        RawColumnData<TimeSpan> c => Map(c.Values, v => JsonValue.Create(TimeText(v))),
        RawColumnData<TimeOnly> c => Map(c.Values, v => JsonValue.Create(TimeText(v.ToTimeSpan()))),
        RawColumnData<Guid> c => Map(c.Values, v => JsonValue.Create(v.ToString())),
        RawColumnData<ReadOnlyMemory<char>> c => Map(c.Values, v => JsonValue.Create(v.ToString())),
        RawColumnData<ReadOnlyMemory<byte>> c => Map(c.Values, v => Bytes(v.Span, leaf)),
        _ => throw new ParquetFormatException($"column '{leaf.Path}': values of type {raw.GetType().GenericTypeArguments.FirstOrDefault()?.Name ?? raw.GetType().Name} are not supported"),
    };

    private static List<JsonNode?> Map<T>(Span<T> values, Func<T, JsonNode?> convert)
    {
        var nodes = new List<JsonNode?>(values.Length);
        foreach (var value in values)
        {
            nodes.Add(convert(value));
        }
        return nodes;
    }

    /// <summary>Binary with a text annotation is text; other binary (including FIXED_LEN_BYTE_ARRAY) is base64.</summary>
    private static JsonValue Bytes(ReadOnlySpan<byte> bytes, SchemaNode leaf) =>
        JsonValue.Create(leaf.IsText ? System.Text.Encoding.UTF8.GetString(bytes) : System.Convert.ToBase64String(bytes));

    /// <summary>DATE → yyyy-MM-dd; timestamps → ISO-8601 without trailing zero fractions, "Z" when adjusted to UTC.</summary>
    private static string DateTimeText(DateTime value, SchemaNode leaf)
    {
        var element = leaf.Element;
        if (element.LogicalType?.DATE is not null || element.ConvertedType == global::Parquet.Meta.ConvertedType.DATE)
        {
            return value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
        // Legacy TIMESTAMP_MILLIS/MICROS and INT96 are UTC instants; the logical type says so explicitly.
        var utc = element.LogicalType?.TIMESTAMP?.IsAdjustedToUTC ?? true;
        return value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + (utc ? "Z" : "");
    }

    /// <summary>The value at the column's declared scale (-1.5 in DECIMAL(9,2) is -1.50), as the writer stored it.</summary>
    private static decimal WithScale(decimal value, SchemaNode leaf)
    {
        var scale = leaf.Element.LogicalType?.DECIMAL?.Scale ?? leaf.Element.Scale ?? 0;
        // Decimal addition keeps the larger scale: adding a zero of the declared scale restores trailing zeros.
        return scale is > 0 and <= 28 && value.Scale < scale ? value + new decimal(0, 0, 0, false, (byte)scale) : value;
    }

    private static string TimeText(TimeSpan value) =>
        new TimeOnly(value.Ticks).ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.');
}
