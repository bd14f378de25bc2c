using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using ParquetSharp;

namespace ToolRL.Data.Parquet;

/// <summary>
/// Reads one leaf column chunk of a row group through ParquetSharp (Apache Arrow's C++ parquet reader: pages,
/// encodings and codecs) and turns its physical values into JSON the way rows expose them: strings, numbers,
/// booleans, ISO-8601 dates and times (timestamps adjusted to UTC end in "Z"), exact decimals, UUIDs, and binary
/// without a text annotation as base64. Text must be valid UTF-8: a string column holding other bytes is refused.
/// </summary>
internal static class LeafValues
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Days from 0001-01-01 to the Unix epoch (DATE counts days from the epoch).</summary>
    private const int EpochDayNumber = 719_162;

    /// <summary>The Julian day of the Unix epoch (INT96 timestamps count Julian days).</summary>
    private const long EpochJulianDay = 2_440_588;

    /// <param name="group">The open row group.</param>
    /// <param name="leaf">The leaf column to read.</param>
    /// <param name="entries">Level entries the chunk's metadata declares (values plus nulls and empty lists).</param>
    public static ColumnData Read(RowGroupReader group, SchemaNode leaf, int entries)
    {
        using var reader = group.Column(leaf.LeafIndex);
        return reader switch
        {
            ColumnReader<bool> r => ReadAll(r, leaf, entries, v => JsonValue.Create(v)),
            ColumnReader<int> r => ReadAll(r, leaf, entries, v => Int32Value(v, leaf)),
            ColumnReader<long> r => ReadAll(r, leaf, entries, v => Int64Value(v, leaf)),
            ColumnReader<Int96> r => ReadAll(r, leaf, entries, v => JsonValue.Create(DateTimeText(Int96Instant(v), utc: true))),
            ColumnReader<float> r => ReadAll(r, leaf, entries, v => JsonValue.Create(v)),
            ColumnReader<double> r => ReadAll(r, leaf, entries, v => JsonValue.Create(v)),
            ColumnReader<ByteArray> r => ReadAll(r, leaf, entries, v => BytesValue(Copy(v.Pointer, v.Length), leaf)),
            ColumnReader<FixedLenByteArray> r => ReadAll(r, leaf, entries, v => BytesValue(Copy(v.Pointer, leaf.TypeLength), leaf)),
            _ => throw new ParquetFormatException($"column '{leaf.Path}': physical type {leaf.PhysicalTypeName} is not supported"),
        };
    }

    /// <summary>
    /// Reads every entry of the chunk: levels into arrays, values converted batch by batch (byte-array values point
    /// into Arrow's buffers, valid only until the next batch).
    /// </summary>
    private static ColumnData ReadAll<T>(ColumnReader<T> reader, SchemaNode leaf, int entries, Func<T, JsonNode?> convert)
        where T : unmanaged
    {
        var definition = new short[entries];
        var repetition = new short[entries];
        var batch = new T[Math.Clamp(entries, 1, 4096)];
        var values = new List<JsonNode?>(entries);
        var read = 0;
        while (reader.HasNext)
        {
            if (read == entries)
            {
                throw new ParquetFormatException($"column '{leaf.Path}' holds more entries than the {entries} its metadata declares");
            }
            var size = Math.Min(batch.Length, entries - read);
            var levels = (int)reader.ReadBatch(size, definition.AsSpan(read, size), repetition.AsSpan(read, size), batch, out var valueCount);
            for (var i = 0; i < valueCount; i++)
            {
                values.Add(convert(batch[i]));
            }
            read += levels;
        }
        // Arrow writes no levels where the maximum is 0: every entry is then defined, and each one starts a row.
        var defined = leaf.DefinitionLevel == 0 ? new int[read] : Widen(definition, read);
        return new ColumnData(leaf.RepetitionLevel == 0 ? new int[read] : Widen(repetition, read), defined, values);
    }

    private static int[] Widen(short[] levels, int count)
    {
        var wide = new int[count];
        for (var i = 0; i < count; i++)
        {
            wide[i] = levels[i];
        }
        return wide;
    }

    private static byte[] Copy(IntPtr pointer, int length)
    {
        var bytes = new byte[length];
        if (length > 0)
        {
            Marshal.Copy(pointer, bytes, 0, length);
        }
        return bytes;
    }

    private static JsonNode Int32Value(int value, SchemaNode leaf) => leaf.Logical switch
    {
        { Kind: LogicalKind.Date } => JsonValue.Create(DateOnly.FromDayNumber(checked(EpochDayNumber + value)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        { Kind: LogicalKind.Decimal } d => DecimalValue(value, d.Scale),
        { Kind: LogicalKind.Time } => JsonValue.Create(TimeText(TimeSpan.FromMilliseconds(value))),
        { Kind: LogicalKind.Integer, Signed: false } => JsonValue.Create((uint)value),
        _ => JsonValue.Create(value),
    };

    private static JsonNode Int64Value(long value, SchemaNode leaf) => leaf.Logical switch
    {
        { Kind: LogicalKind.Timestamp } t => JsonValue.Create(DateTimeText(DateTime.UnixEpoch.AddTicks(Ticks(value, t.Unit)), t.AdjustedToUtc)),
        { Kind: LogicalKind.Time } t => JsonValue.Create(TimeText(TimeSpan.FromTicks(Ticks(value, t.Unit)))),
        { Kind: LogicalKind.Decimal } d => DecimalValue(value, d.Scale),
        { Kind: LogicalKind.Integer, Signed: false } => JsonValue.Create((ulong)value),
        _ => JsonValue.Create(value),
    };

    /// <summary>Time units to 100 ns ticks (nanoseconds lose their last two digits, as DateTime holds no finer).</summary>
    private static long Ticks(long value, TimeUnit unit) => unit switch
    {
        TimeUnit.Millis => checked(value * TimeSpan.TicksPerMillisecond),
        TimeUnit.Micros => checked(value * 10),
        TimeUnit.Nanos => value / 100,
        _ => throw new ParquetFormatException($"time unit {unit} is not one of MILLIS, MICROS, NANOS"),
    };

    /// <summary>
    /// The legacy INT96 timestamp (Impala, Spark): 8 bytes of nanoseconds within the day, then 4 bytes of Julian
    /// day, little-endian; a UTC instant.
    /// </summary>
    private static DateTime Int96Instant(Int96 value)
    {
        var nanosOfDay = (long)(((ulong)(uint)value.B << 32) | (uint)value.A);
        return DateTime.UnixEpoch.AddDays(value.C - EpochJulianDay).AddTicks(nanosOfDay / 100);
    }

    private static JsonNode? BytesValue(byte[] bytes, SchemaNode leaf) => leaf.Logical.Kind switch
    {
        LogicalKind.Text => JsonValue.Create(Text(bytes, leaf)),
        LogicalKind.Decimal => DecimalValue(new BigInteger(bytes, isUnsigned: false, isBigEndian: true), leaf.Logical.Scale),
        LogicalKind.Uuid when bytes.Length == 16 => JsonValue.Create(new Guid(bytes, bigEndian: true).ToString()),
        LogicalKind.Float16 when bytes.Length == 2 => JsonValue.Create((double)BitConverter.ToHalf(bytes)),
        _ => JsonValue.Create(Convert.ToBase64String(bytes)),
    };

    private static string Text(byte[] bytes, SchemaNode leaf)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new ParquetFormatException($"column '{leaf.Path}' is annotated as text but holds bytes that are not valid UTF-8 ({e.Message})");
        }
    }

    /// <summary>
    /// unscaled × 10^-scale, exactly and at the declared scale (-150 in DECIMAL(9,2) is -1.50): a JSON number when
    /// System.Decimal holds it (|unscaled| &lt; 2^96, scale ≤ 28), else its exact digits as text.
    /// </summary>
    private static JsonNode DecimalValue(BigInteger unscaled, int scale)
    {
        var magnitude = BigInteger.Abs(unscaled);
        if (scale is >= 0 and <= 28 && magnitude.GetBitLength() <= 96)
        {
            var words = new int[3];
            var bytes = magnitude.ToByteArray(isUnsigned: true, isBigEndian: false);
            Array.Resize(ref bytes, 12);
            Buffer.BlockCopy(bytes, 0, words, 0, 12);
            return JsonValue.Create(new decimal(words[0], words[1], words[2], unscaled.Sign < 0, (byte)scale));
        }
        var digits = magnitude.ToString(CultureInfo.InvariantCulture);
        if (scale > 0)
        {
            digits = digits.PadLeft(scale + 1, '0');
            digits = digits[..^scale] + "." + digits[^scale..];
        }
        else if (scale < 0)
        {
            digits += new string('0', -scale);
        }
        return JsonValue.Create((unscaled.Sign < 0 ? "-" : "") + digits);
    }

    /// <summary>DATE-less instants as ISO-8601 without trailing zero fractions, "Z" when adjusted to UTC.</summary>
    private static string DateTimeText(DateTime value, bool utc) =>
        value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + (utc ? "Z" : "");

    private static string TimeText(TimeSpan value) =>
        new TimeOnly(value.Ticks).ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.');
}
