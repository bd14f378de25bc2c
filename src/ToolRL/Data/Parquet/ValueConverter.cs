using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace ToolRL.Data.Parquet;

/// <summary>
/// Turns a leaf's physical values into the CLR values its rows expose, following its logical annotation:
/// strings, numbers, ISO-8601 dates/times, decimals; binary without annotation becomes base64.
/// </summary>
internal sealed class ValueConverter
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly SchemaElement _element;
    private readonly string _column;

    public ValueConverter(SchemaElement element, string column)
    {
        _element = element;
        _column = column;
    }

    public object FromBoolean(bool value) => value;

    public object FromInt32(int value) => _element.Logical switch
    {
        LogicalKind.Date => OrRaw(value, () => DateOnly.FromDayNumber(checked(EpochDay + value)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        LogicalKind.Decimal => Decimal(new BigInteger(value)),
        LogicalKind.Time => OrRaw(value, () => TimeOfDay(value * TicksPerUnit())),
        LogicalKind.Integer when !_element.IntegerSigned => (object)(uint)value,
        _ => value,
    };

    public object FromInt64(long value) => _element.Logical switch
    {
        LogicalKind.Timestamp => OrRaw(value, () => Timestamp(value)),
        LogicalKind.Decimal => Decimal(new BigInteger(value)),
        LogicalKind.Time => OrRaw(value, () => TimeOfDay(checked(value * TicksPerUnit()) / (_element.Unit == TimeUnit.Nanos ? 100 : 1))),
        LogicalKind.Integer when !_element.IntegerSigned => (object)(ulong)value,
        _ => value,
    };

    /// <summary>INT96: legacy Impala/Spark timestamps, nanoseconds of day then the Julian day number.</summary>
    public object FromInt96(ReadOnlySpan<byte> bytes)
    {
        var nanos = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var julianDay = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        const int UnixEpochJulianDay = 2_440_588;
        return OrRaw(Convert.ToBase64String(bytes), () =>
            FormatTimestamp(DateTime.UnixEpoch.AddTicks(checked((julianDay - UnixEpochJulianDay) * TimeSpan.TicksPerDay + nanos / 100)), utc: true));
    }

    public object FromFloat(float value) => value;

    public object FromDouble(double value) => value;

    public object FromBytes(ReadOnlySpan<byte> bytes)
    {
        switch (_element.Logical)
        {
            case LogicalKind.String or LogicalKind.Enum or LogicalKind.Json:
                try
                {
                    return StrictUtf8.GetString(bytes);
                }
                catch (DecoderFallbackException e)
                {
                    throw new ParquetFormatException($"column '{_column}': a STRING value is not valid UTF-8", e);
                }
            case LogicalKind.Decimal:
                return Decimal(new BigInteger(bytes, isUnsigned: false, isBigEndian: true));
            case LogicalKind.Uuid when bytes.Length == 16:
                return new Guid(bytes, bigEndian: true).ToString();
            case LogicalKind.Float16 when bytes.Length == 2:
                return (double)BinaryPrimitives.ReadHalfLittleEndian(bytes);
            default:
                return Convert.ToBase64String(bytes);
        }
    }

    private const int EpochDay = 719_162; // DateOnly day number of 1970-01-01

    /// <summary>Dates and times outside what .NET represents (years 1..9999) are returned as their raw value.</summary>
    private static object OrRaw(object raw, Func<object> format)
    {
        try
        {
            return format();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return raw;
        }
    }

    private object Decimal(BigInteger unscaled)
    {
        // C# decimal holds 96-bit magnitudes with scale 0..28, exactly; wider values stay exact as strings.
        var magnitude = BigInteger.Abs(unscaled);
        if (magnitude <= new BigInteger(decimal.MaxValue) && _element.Scale is >= 0 and <= 28)
        {
            var bits = decimal.GetBits((decimal)magnitude);
            return new decimal(bits[0], bits[1], bits[2], unscaled.Sign < 0, (byte)_element.Scale);
        }
        var digits = magnitude.ToString(CultureInfo.InvariantCulture).PadLeft(Math.Max(_element.Scale, 0) + 1, '0');
        var sign = unscaled.Sign < 0 ? "-" : "";
        return _element.Scale <= 0 ? sign + digits : sign + digits[..^_element.Scale] + "." + digits[^_element.Scale..];
    }

    private long TicksPerUnit() => _element.Unit switch
    {
        TimeUnit.Millis => TimeSpan.TicksPerMillisecond,
        TimeUnit.Micros => TimeSpan.TicksPerMicrosecond,
        _ => 1,
    };

    private object Timestamp(long value)
    {
        var ticks = _element.Unit switch
        {
            TimeUnit.Millis => checked(value * TimeSpan.TicksPerMillisecond),
            TimeUnit.Micros => checked(value * TimeSpan.TicksPerMicrosecond),
            _ => value / 100,
        };
        return FormatTimestamp(DateTime.UnixEpoch.AddTicks(ticks), _element.AdjustedToUtc);
    }

    private static string TimeOfDay(long ticks) =>
        new TimeOnly(ticks).ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.');

    private static string FormatTimestamp(DateTime time, bool utc) =>
        time.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.') + (utc ? "Z" : "");
}
