using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Tokenization;

/// <summary>
/// JSON text exactly as Python's <c>json.dumps(x, ensure_ascii=False)</c> writes it (or with Python's default
/// <c>ensure_ascii=True</c>, as ToolRL's ground-truth lines are written), which is what the
/// <c>tojson</c> filter of transformers' chat templates produces: <c>", "</c> and <c>": "</c> separators,
/// keys in insertion order, non-ASCII characters kept raw, control characters escaped, and floats in
/// Python's <c>repr</c> form (<c>1.0</c>, <c>1e-05</c>, <c>1e+16</c>). System.Text.Json's defaults differ in
/// all of these, and a single differing byte changes the prompt tokens.
/// </summary>
public static class PythonJson
{
    /// <summary>Serializes <paramref name="node"/> (null → <c>null</c>).</summary>
    /// <param name="node">The value.</param>
    /// <param name="ensureAscii">Python's <c>ensure_ascii</c>: escape every non-ASCII UTF-16 unit as <c>\uXXXX</c>
    /// (json.dumps' default); false keeps them raw, as the chat template's <c>tojson</c> does.</param>
    public static string Dumps(JsonNode? node, bool ensureAscii = false)
    {
        var builder = new StringBuilder();
        Write(builder, node, ensureAscii);
        return builder.ToString();
    }

    /// <summary>Appends the Python form of <paramref name="node"/>.</summary>
    /// <param name="builder">Where the text goes.</param>
    /// <param name="node">The value.</param>
    /// <param name="ensureAscii">See <see cref="Dumps"/>.</param>
    public static void Write(StringBuilder builder, JsonNode? node, bool ensureAscii = false)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                var firstMember = true;
                foreach (var (key, value) in obj)
                {
                    if (!firstMember)
                    {
                        builder.Append(", ");
                    }
                    firstMember = false;
                    WriteString(builder, key, ensureAscii);
                    builder.Append(": ");
                    Write(builder, value, ensureAscii);
                }
                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }
                    Write(builder, array[i], ensureAscii);
                }
                builder.Append(']');
                break;
            case JsonValue value:
                WriteValue(builder, value, ensureAscii);
                break;
        }
    }

    /// <summary>
    /// Python's <c>json.dumps(node, indent=indent, ensure_ascii=False)</c> (the template filter <c>tojson(indent=4)</c>):
    /// each member and item on its own line, <c>","</c> then a newline between them, <c>": "</c> after keys, empty
    /// containers as <c>{}</c> and <c>[]</c>.
    /// </summary>
    internal static void WriteIndented(StringBuilder builder, JsonNode? node, int indent, int level = 0)
    {
        void NewLine(int depth) => builder.Append('\n').Append(' ', indent * depth);
        switch (node)
        {
            case JsonObject { Count: > 0 } obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    builder.Append(first ? "" : ",");
                    first = false;
                    NewLine(level + 1);
                    WriteString(builder, key);
                    builder.Append(": ");
                    WriteIndented(builder, value, indent, level + 1);
                }
                NewLine(level);
                builder.Append('}');
                break;
            case JsonArray { Count: > 0 } array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    builder.Append(i == 0 ? "" : ",");
                    NewLine(level + 1);
                    WriteIndented(builder, array[i], indent, level + 1);
                }
                NewLine(level);
                builder.Append(']');
                break;
            default:
                Write(builder, node);
                break;
        }
    }

    /// <summary>A JSON string literal with Python's escapes (<c>\"</c>, <c>\\</c>, <c>\n</c>… and <c>\u00XX</c> for other controls).</summary>
    /// <param name="builder">Where the text goes.</param>
    /// <param name="text">The string.</param>
    /// <param name="ensureAscii">See <see cref="Dumps"/>.</param>
    public static void WriteString(StringBuilder builder, string text, bool ensureAscii = false)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7f))
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }

    private static void WriteValue(StringBuilder builder, JsonValue value, bool ensureAscii)
    {
        // Parsed values keep their JSON text; values built in code keep their CLR type, and a double is a
        // Python float even when integral (2.0).
        if (!value.TryGetValue<JsonElement>(out var element))
        {
            if (value.TryGetValue<double>(out var number))
            {
                builder.Append(FormatFloat(number));
                return;
            }
            if (value.TryGetValue<float>(out var single))
            {
                builder.Append(FormatFloat(single));
                return;
            }
            element = JsonSerializer.SerializeToElement(value);
        }
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                WriteString(builder, element.GetString()!, ensureAscii);
                break;
            case JsonValueKind.True:
                builder.Append("true");
                break;
            case JsonValueKind.False:
                builder.Append("false");
                break;
            case JsonValueKind.Number:
                builder.Append(FormatNumber(element.GetRawText()));
                break;
            default:
                builder.Append("null");
                break;
        }
    }

    /// <summary>
    /// A JSON number as Python writes it after parsing: integers stay as written (Python ints are exact),
    /// anything with a fraction or exponent becomes a float in <c>repr</c> form.
    /// </summary>
    public static string FormatNumber(string raw)
    {
        if (raw.AsSpan().TrimStart('-').ContainsAnyExcept("0123456789"))
        {
            return FormatFloat(double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture));
        }
        // Python parses "-0" and "007"-free JSON integers exactly; keep the text (minus a "-0" sign quirk).
        return raw == "-0" ? "0" : raw;
    }

    /// <summary>Python's <c>repr(float)</c>: shortest round-trip digits, exponent form when the decimal
    /// exponent is below -4 or above 16 (CPython <c>PyOS_double_to_string</c> with mode 'r').</summary>
    public static string FormatFloat(double x)
    {
        if (double.IsNaN(x))
        {
            return "NaN";
        }
        if (double.IsInfinity(x))
        {
            return x > 0 ? "Infinity" : "-Infinity";
        }
        if (x == 0)
        {
            return double.IsNegative(x) ? "-0.0" : "0.0";
        }
        var sign = x < 0 ? "-" : "";
        var (digits, pointPosition) = ShortestDigits(Math.Abs(x));
        if (pointPosition is > -4 and <= 16)
        {
            if (pointPosition <= 0)
            {
                return sign + "0." + new string('0', -pointPosition) + digits;
            }
            if (pointPosition >= digits.Length)
            {
                return sign + digits + new string('0', pointPosition - digits.Length) + ".0";
            }
            return sign + digits[..pointPosition] + "." + digits[pointPosition..];
        }
        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        var exponent = pointPosition - 1;
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>Shortest round-trip significant digits and the decimal point position (value = 0.DIGITS × 10^pos).</summary>
    private static (string Digits, int PointPosition) ShortestDigits(double positive)
    {
        // "R" gives the shortest round-trip string; re-read it to separate digits and exponent.
        var shortest = positive.ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = shortest.IndexOfAny(['E', 'e']);
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.');
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var allDigits = integerPart + (dot < 0 ? "" : mantissa[(dot + 1)..]);
        var point = integerPart.Length + exponent;
        var leadingZeros = allDigits.Length - allDigits.TrimStart('0').Length;
        allDigits = allDigits.TrimStart('0');
        point -= leadingZeros;
        allDigits = allDigits.TrimEnd('0');
        return (allDigits.Length == 0 ? "0" : allDigits, point);
    }
}
