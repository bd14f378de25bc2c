using ParquetSharp;
using ParquetSharp.Schema;

namespace ToolRL.Data.Parquet;

/// <summary>What a column's logical type says about its values, as far as rows need it.</summary>
internal enum LogicalKind
{
    /// <summary>No annotation (or one that does not change how values read, e.g. BSON): the physical value.</summary>
    None,
    /// <summary>STRING, ENUM or JSON: UTF-8 text.</summary>
    Text,
    List,
    Map,
    Date,
    Time,
    Timestamp,
    Decimal,
    /// <summary>INT(bitWidth, signed): matters only for unsigned values stored in signed physical types.</summary>
    Integer,
    Uuid,
    Float16,
}

/// <summary>
/// A column's logical annotation copied out of Arrow's (a plain value, so the schema tree keeps no native handle).
/// Arrow has already mapped the legacy converted types (UTF8, DATE, TIMESTAMP_MILLIS, …) onto logical types;
/// the converted-type checks below cover the LIST/MAP/text annotations of files that set only those.
/// </summary>
internal sealed record LogicalAnnotation(LogicalKind Kind, TimeUnit Unit = TimeUnit.Unknown, bool AdjustedToUtc = false, int Scale = 0, bool Signed = true)
{
    public static LogicalAnnotation Of(Node node)
    {
        using var logical = node.LogicalType;
        return logical switch
        {
            StringLogicalType or EnumLogicalType or JsonLogicalType => new(LogicalKind.Text),
            ListLogicalType => new(LogicalKind.List),
            MapLogicalType => new(LogicalKind.Map),
            DateLogicalType => new(LogicalKind.Date),
            TimeLogicalType t => new(LogicalKind.Time, t.TimeUnit, t.IsAdjustedToUtc),
            TimestampLogicalType t => new(LogicalKind.Timestamp, t.TimeUnit, t.IsAdjustedToUtc),
            DecimalLogicalType d => new(LogicalKind.Decimal, Scale: d.Scale),
            IntLogicalType i => new(LogicalKind.Integer, Signed: i.IsSigned),
            UuidLogicalType => new(LogicalKind.Uuid),
            Float16LogicalType => new(LogicalKind.Float16),
            _ => node.ConvertedType switch
            {
                ConvertedType.UTF8 or ConvertedType.Enum or ConvertedType.Json => new(LogicalKind.Text),
                ConvertedType.List => new(LogicalKind.List),
                ConvertedType.Map or ConvertedType.MapKeyValue => new(LogicalKind.Map),
                _ => new(LogicalKind.None),
            },
        };
    }
}
