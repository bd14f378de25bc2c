using System.Globalization;
using System.Text;

namespace ToolRL.StepTool;

/// <summary>
/// Reads and writes the Python list literals of StepTool's step-grained files: <c>list[str]</c> and
/// <c>list[float]</c> as Python's <c>repr</c> writes them and <c>ast.literal_eval</c> reads them (StepTool's
/// <c>step_ppo.py</c> uses <c>eval</c>). Strings take either quote and the escapes of Python string literals
/// (<c>\n \t \r \\ \' \" \xHH \uHHHH \UHHHHHHHH</c>, and an escaped newline); numbers are ints or floats.
/// </summary>
internal static class PythonListLiteral
{
    /// <summary>Parses <c>['a', "b", …]</c>.</summary>
    /// <exception cref="FormatException">Not a list of string literals; the message gives the character offset.</exception>
    public static List<string> ParseStrings(string text) => ParseList(text, ReadString);

    /// <summary>Parses <c>[1.0, 0.5, …]</c> (ints and floats).</summary>
    /// <exception cref="FormatException">Not a list of numbers; the message gives the character offset.</exception>
    public static List<double> ParseNumbers(string text) => ParseList(text, ReadNumber);

    /// <summary>Python's <c>repr(list_of_str)</c>.</summary>
    public static string FormatStrings(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(ReprString)) + "]";

    /// <summary>Python's <c>repr(list_of_float)</c> (shortest round-trip digits, <c>1.0</c>, <c>1e-05</c>).</summary>
    public static string FormatNumbers(IEnumerable<double> items) => "[" + string.Join(", ", items.Select(ReprFloat)) + "]";

    private delegate T ItemReader<T>(string text, ref int pos);

    private static List<T> ParseList<T>(string text, ItemReader<T> readItem)
    {
        var pos = 0;
        SkipSpace(text, ref pos);
        Expect(text, ref pos, '[');
        var items = new List<T>();
        SkipSpace(text, ref pos);
        if (pos < text.Length && text[pos] == ']')
        {
            pos++;
        }
        else
        {
            while (true)
            {
                SkipSpace(text, ref pos);
                if (pos < text.Length && text[pos] == ']' && items.Count > 0)
                {
                    pos++; // trailing comma
                    break;
                }
                items.Add(readItem(text, ref pos));
                SkipSpace(text, ref pos);
                if (pos < text.Length && text[pos] == ',')
                {
                    pos++;
                    continue;
                }
                Expect(text, ref pos, ']');
                break;
            }
        }
        SkipSpace(text, ref pos);
        if (pos != text.Length)
        {
            throw Error(pos, "text after the closing ']'");
        }
        return items;
    }

    private static string ReadString(string text, ref int pos)
    {
        if (pos >= text.Length || (text[pos] != '\'' && text[pos] != '"'))
        {
            throw Error(pos, "expected a string literal ('…' or \"…\")");
        }
        var quote = text[pos++];
        var sb = new StringBuilder();
        while (true)
        {
            if (pos >= text.Length)
            {
                throw Error(pos, $"unterminated string (missing closing {quote})");
            }
            var c = text[pos++];
            if (c == quote)
            {
                return sb.ToString();
            }
            if (c == '\n')
            {
                throw Error(pos - 1, "raw newline inside a string literal");
            }
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }
            if (pos >= text.Length)
            {
                throw Error(pos, "backslash at the end of the text");
            }
            var e = text[pos++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '0' when pos >= text.Length || text[pos] is < '0' or > '7': sb.Append('\0'); break;
                case '\n': break; // line continuation
                case 'x': sb.Append((char)Hex(text, ref pos, 2)); break;
                case 'u': sb.Append((char)Hex(text, ref pos, 4)); break;
                case 'U': sb.Append(char.ConvertFromUtf32(Hex(text, ref pos, 8))); break;
                default:
                    // Python keeps an unknown escape as written (with a warning).
                    sb.Append('\\').Append(e);
                    break;
            }
        }
    }

    private static int Hex(string text, ref int pos, int digits)
    {
        if (pos + digits > text.Length || !int.TryParse(text.AsSpan(pos, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(pos, $"expected {digits} hex digits after the escape");
        }
        pos += digits;
        return value;
    }

    private static double ReadNumber(string text, ref int pos)
    {
        var start = pos;
        while (pos < text.Length && (char.IsAsciiDigit(text[pos]) || text[pos] is '+' or '-' or '.' or 'e' or 'E' or '_'))
        {
            pos++;
        }
        var token = text[start..pos].Replace("_", "", StringComparison.Ordinal);
        if (token.Length == 0 || !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(start, token.Length == 0 ? "expected a number" : $"'{token}' is not a number");
        }
        return value;
    }

    private static void SkipSpace(string text, ref int pos)
    {
        while (pos < text.Length && text[pos] is ' ' or '\t' or '\n' or '\r')
        {
            pos++;
        }
    }

    private static void Expect(string text, ref int pos, char c)
    {
        if (pos >= text.Length || text[pos] != c)
        {
            throw Error(pos, pos >= text.Length ? $"expected '{c}' but the text ended" : $"expected '{c}' but found '{text[pos]}'");
        }
        pos++;
    }

    private static FormatException Error(int pos, string what) => new($"{what} at character {pos}");

    // CPython's unicode_repr: single quotes unless the text holds ' and no ", escapes for \\ \n \r \t, other
    // non-printable ASCII as \xHH; printable non-ASCII stays as it is.
    private static string ReprString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2).Append(quote);
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    if (c == quote)
                    {
                        sb.Append('\\').Append(c);
                    }
                    else if (c < ' ' || c == '\x7f')
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append(quote).ToString();
    }

    // CPython's float_repr: the shortest round-trip digits (as .NET's "R"), laid out by Python's rule: positional
    // for decimal exponents -4..15 (always with a fraction, 1.0), else d.ddde±XX (1e-05, 1e+16).
    private static string ReprFloat(double x)
    {
        if (double.IsNaN(x) || double.IsInfinity(x))
        {
            throw new ArgumentException($"{x} has no Python literal; step rewards must be finite", nameof(x));
        }
        if (x == 0)
        {
            return double.IsNegative(x) ? "-0.0" : "0.0";
        }
        var shortest = Math.Abs(x).ToString("R", CultureInfo.InvariantCulture);
        var sign = x < 0 ? "-" : "";
        string digits;
        int exponent; // x = 0.d1d2… × 10^(exponent + 1), i.e. d1 sits at 10^exponent
        var e = shortest.IndexOf('E', StringComparison.Ordinal);
        if (e >= 0)
        {
            digits = shortest[..e].Replace(".", "", StringComparison.Ordinal);
            exponent = int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
        }
        else
        {
            var dot = shortest.IndexOf('.', StringComparison.Ordinal);
            var whole = dot >= 0 ? shortest[..dot] : shortest;
            var fraction = dot >= 0 ? shortest[(dot + 1)..] : "";
            var all = (whole + fraction).TrimStart('0');
            exponent = whole.TrimStart('0').Length > 0 ? whole.TrimStart('0').Length - 1 : -(fraction.Length - fraction.TrimStart('0').Length) - 1;
            digits = all;
        }
        digits = digits.TrimEnd('0');
        if (exponent is >= -4 and < 16)
        {
            if (exponent < 0)
            {
                return $"{sign}0.{new string('0', -exponent - 1)}{digits}";
            }
            var whole = digits.Length > exponent + 1 ? digits[..(exponent + 1)] : digits.PadRight(exponent + 1, '0');
            var fraction = digits.Length > exponent + 1 ? digits[(exponent + 1)..] : "0";
            return $"{sign}{whole}.{fraction}";
        }
        var mantissa = digits.Length == 1 ? digits : $"{digits[0]}.{digits[1..]}";
        return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
    }
}
