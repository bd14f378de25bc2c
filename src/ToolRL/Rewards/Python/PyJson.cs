using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace ToolRL.Rewards.Python;

/// <summary>
/// <c>json.loads</c> of CPython 3.11 (the C scanner, <c>strict=True</c>) on one line: what it accepts,
/// what it rejects and the values it builds.
/// <list type="bullet">
/// <item>Whitespace around the value is only <c>[ \t\n\r]</c>; a leading U+FEFF is rejected.</item>
/// <item>Literals <c>NaN</c>, <c>Infinity</c>, <c>-Infinity</c> are accepted.</item>
/// <item>Numbers follow <c>-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?</c>; without fraction or exponent they are
///   unbounded ints (more than 4,300 digits raise <c>ValueError</c> since CPython 3.11), otherwise floats
///   (overflow gives ±inf).</item>
/// <item>Strings reject raw control characters below U+0020; <c>\uXXXX</c> needs 4 hex digits.</item>
/// <item>Duplicate keys: the last value wins (<see cref="PyDict"/>).</item>
/// <item>Nesting deeper than <see cref="MaxDepth"/> fails as CPython's <c>RecursionError</c> does.</item>
/// </list>
/// Any failure (Python raises) returns null; the caller decides what that means (cmin for a response,
/// an invalid ground truth for the dataset). The parser recurses at most <see cref="MaxDepth"/> levels, so
/// arbitrarily deep input cannot overflow the stack.
/// </summary>
internal ref struct PyJson
{
    /// <summary>
    /// The deepest nesting that parses. CPython checks its recursion limit (1000 frames, shared with the
    /// Python frames of the caller) at each array/object; called from the reward at the depth of a plain
    /// script, 992 nested arrays raise <c>RecursionError</c> (measured on 3.11.2 and 3.11.7).
    /// </summary>
    public const int MaxDepth = 991;

    /// <summary>Python 3.11's <c>sys.int_info.default_max_str_digits</c>.</summary>
    public const int MaxIntDigits = 4300;

    // One object per constant, as json.decoder._CONSTANTS (PyValue.NaN is the shared NaN).
    private static readonly PyValue PositiveInfinity = PyValue.FromFloat(double.PositiveInfinity);
    private static readonly PyValue NegativeInfinity = PyValue.FromFloat(double.NegativeInfinity);

    private static readonly SearchValues<char> StringSpecials = SearchValues.Create(
        "\"\\\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f" +
        "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    private readonly ReadOnlySpan<char> _s;
    private int _pos;
    private int _depth;
    private string? _error;
    private int _errorAt;

    private PyJson(ReadOnlySpan<char> s) => _s = s;

    /// <summary>Parses <paramref name="text"/> as <c>json.loads</c> would; null when Python would raise.</summary>
    public static PyValue? Parse(ReadOnlySpan<char> text) => Parse(text, out _);

    /// <summary>
    /// Parses <paramref name="text"/>; on failure returns null and <paramref name="error"/> holds Python's
    /// message (<c>Expecting value: line 1 column 1 (char 0)</c>).
    /// </summary>
    public static PyValue? Parse(ReadOnlySpan<char> text, out string? error)
    {
        var parser = new PyJson(text);
        var value = parser.ParseDocument();
        error = value is null ? parser.ErrorMessage() : null;
        return value;
    }

    private PyValue? ParseDocument()
    {
        if (_s.Length > 0 && _s[0] == '\uFEFF')
        {
            return Fail("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
        }
        SkipWhitespace();
        var value = ParseValue();
        if (value is null)
        {
            return null;
        }
        SkipWhitespace();
        return _pos == _s.Length ? value : Fail("Extra data", _pos);
    }

    private PyValue? ParseValue()
    {
        if (_pos >= _s.Length)
        {
            return Fail("Expecting value", _pos);
        }
        switch (_s[_pos])
        {
            case '"':
                var text = ParseString();
                return text is null ? null : PyValue.FromString(text);
            case '{':
                return ParseObject();
            case '[':
                return ParseArray();
            case 'n':
                return ConstantOrNumber("null", PyValue.None);
            case 't':
                return ConstantOrNumber("true", PyValue.True);
            case 'f':
                return ConstantOrNumber("false", PyValue.False);
            case 'N':
                return ConstantOrNumber("NaN", PyValue.NaN);
            case 'I':
                return ConstantOrNumber("Infinity", PositiveInfinity);
            case '-':
                return ConstantOrNumber("-Infinity", NegativeInfinity);
            default:
                return ParseNumber();
        }
    }

    /// <summary>The constant <paramref name="literal"/> when it stands at the cursor, else whatever number (or error) is there.</summary>
    private PyValue? ConstantOrNumber(string literal, PyValue value)
    {
        if (!Follows(literal))
        {
            return ParseNumber();
        }
        _pos += literal.Length;
        return value;
    }

    private PyValue? ParseObject()
    {
        if (!Enter())
        {
            return null;
        }
        _pos++;
        var dict = new PyDict();
        SkipWhitespace();
        if (Closes('}'))
        {
            return Leave(PyValue.FromDict(dict));
        }
        while (true)
        {
            if (_pos >= _s.Length || _s[_pos] != '"')
            {
                return Fail("Expecting property name enclosed in double quotes", _pos);
            }
            var key = ParseString();
            if (key is null)
            {
                return null;
            }
            SkipWhitespace();
            if (_pos >= _s.Length || _s[_pos] != ':')
            {
                return Fail("Expecting ':' delimiter", _pos);
            }
            _pos++;
            SkipWhitespace();
            var value = ParseValue();
            if (value is null)
            {
                return null;
            }
            dict.Set(key, value);
            switch (NextItem('}'))
            {
                case true:
                    return Leave(PyValue.FromDict(dict));
                case null:
                    return null;
            }
        }
    }

    private PyValue? ParseArray()
    {
        if (!Enter())
        {
            return null;
        }
        _pos++;
        var items = new List<PyValue>();
        SkipWhitespace();
        if (Closes(']'))
        {
            return Leave(PyValue.FromList(items));
        }
        while (true)
        {
            var value = ParseValue();
            if (value is null)
            {
                return null;
            }
            items.Add(value);
            switch (NextItem(']'))
            {
                case true:
                    return Leave(PyValue.FromList(items));
                case null:
                    return null;
            }
        }
    }

    // Consumes the closing bracket when it is next.
    private bool Closes(char close)
    {
        if (_pos < _s.Length && _s[_pos] == close)
        {
            _pos++;
            return true;
        }
        return false;
    }

    // After an object's or array's item: true at its closing bracket, false after a comma (and the whitespace after
    // it), null at anything else, recorded as Python's json reports it.
    private bool? NextItem(char close)
    {
        SkipWhitespace();
        if (Closes(close))
        {
            return true;
        }
        if (_pos >= _s.Length || _s[_pos] != ',')
        {
            Fail("Expecting ',' delimiter", _pos);
            return null;
        }
        _pos++;
        SkipWhitespace();
        return false;
    }

    private bool Enter()
    {
        if (++_depth <= MaxDepth)
        {
            return true;
        }
        Fail("maximum recursion depth exceeded while decoding a JSON document", _pos);
        return false;
    }

    private PyValue Leave(PyValue value)
    {
        _depth--;
        return value;
    }

    /// <summary>The string starting at the opening quote at <c>_pos</c> (py_scanstring, strict).</summary>
    private string? ParseString()
    {
        var begin = _pos;
        var chunkStart = ++_pos;
        StringBuilder? built = null;
        while (true)
        {
            // The next quote, backslash or control character, in one vectorised scan.
            var special = _s[_pos..].IndexOfAny(StringSpecials);
            if (special < 0)
            {
                return FailString("Unterminated string starting at", begin);
            }
            _pos += special;
            var c = _s[_pos];
            if (c < ' ')
            {
                return FailString("Invalid control character at", _pos);
            }
            if (c == '"')
            {
                var tail = _s[chunkStart.._pos];
                _pos++;
                return built is null ? Intern(tail) : built.Append(tail).ToString();
            }
            built ??= new StringBuilder();
            built.Append(_s[chunkStart.._pos]);
            if (!AppendEscape(built, begin))
            {
                return null;
            }
            chunkStart = _pos;
        }
    }

    // The keys of every tool call; reusing the literals saves an allocation per key (json memoizes keys too).
    private static string Intern(ReadOnlySpan<char> text) => text switch
    {
        "name" => "name",
        "parameters" => "parameters",
        "arguments" => "arguments",
        _ => new string(text),
    };

    /// <summary>Decodes the escape at the backslash at <c>_pos</c>; leaves <c>_pos</c> after it.</summary>
    private bool AppendEscape(StringBuilder built, int stringStart)
    {
        var at = _pos + 1;
        if (at >= _s.Length)
        {
            FailString("Unterminated string starting at", stringStart);
            return false;
        }
        var c = _s[at];
        if (c == 'u')
        {
            // CPython requires the 4 digits AND at least one more character (end >= len fails).
            if (at + 5 >= _s.Length || !TryHex4(_s.Slice(at + 1, 4), out var unit))
            {
                FailString("Invalid \\uXXXX escape", at);
                return false;
            }
            // Python joins an escaped surrogate pair into one code point; in UTF-16 both are the same units.
            built.Append(unit);
            _pos = at + 5;
            return true;
        }
        var decoded = c switch
        {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\b',
            'f' => '\f',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            _ => '\0',
        };
        if (decoded == '\0')
        {
            FailString("Invalid \\escape", at - 1);
            return false;
        }
        built.Append(decoded);
        _pos = at + 1;
        return true;
    }

    private static bool TryHex4(ReadOnlySpan<char> digits, out char unit)
    {
        var value = 0;
        foreach (var d in digits)
        {
            int v = d switch
            {
                >= '0' and <= '9' => d - '0',
                >= 'a' and <= 'f' => d - 'a' + 10,
                >= 'A' and <= 'F' => d - 'A' + 10,
                _ => -1,
            };
            if (v < 0)
            {
                unit = '\0';
                return false;
            }
            value = (value << 4) | v;
        }
        unit = (char)value;
        return true;
    }

    /// <summary>_match_number_unicode: the longest valid JSON number at <c>_pos</c>.</summary>
    private PyValue? ParseNumber()
    {
        var start = _pos;
        var i = _pos;
        if (_s[i] == '-')
        {
            i++;
        }
        if (i < _s.Length && _s[i] is >= '1' and <= '9')
        {
            i++;
            while (i < _s.Length && char.IsAsciiDigit(_s[i]))
            {
                i++;
            }
        }
        else if (i < _s.Length && _s[i] == '0')
        {
            i++;
        }
        else
        {
            return Fail("Expecting value", start);
        }
        var integerEnd = i;
        var isFloat = false;
        if (i + 1 < _s.Length && _s[i] == '.' && char.IsAsciiDigit(_s[i + 1]))
        {
            isFloat = true;
            i += 2;
            while (i < _s.Length && char.IsAsciiDigit(_s[i]))
            {
                i++;
            }
        }
        if (i < _s.Length && _s[i] is 'e' or 'E')
        {
            var exponentStart = i++;
            if (i < _s.Length && _s[i] is '+' or '-')
            {
                i++;
            }
            var digits = i;
            while (i < _s.Length && char.IsAsciiDigit(_s[i]))
            {
                i++;
            }
            if (i > digits)
            {
                isFloat = true;
            }
            else
            {
                i = exponentStart;
            }
        }
        _pos = i;
        var literal = _s[start..i];
        if (isFloat)
        {
            return PyValue.FromFloat(ParseFloat(literal));
        }
        var digitCount = integerEnd - start - (literal[0] == '-' ? 1 : 0);
        if (digitCount > MaxIntDigits)
        {
            return Fail($"Exceeds the limit ({MaxIntDigits} digits) for integer string conversion: value has {digitCount} digits", start);
        }
        return digitCount <= 18
            ? PyValue.FromInteger(long.Parse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))
            : PyValue.FromInteger(BigInteger.Parse(literal, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }

    // .NET's parser is correctly rounded (IEEE 754-2008 since .NET Core 3.0) and overflows to ±inf, like
    // Python's float(); exponents too long for it are resolved by their sign (1e999999999999 → inf).
    private static double ParseFloat(ReadOnlySpan<char> literal)
    {
        if (double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        var e = literal.IndexOfAny('e', 'E');
        var negativeExponent = literal[e + 1] == '-';
        var mantissaIsZero = literal[..e].IndexOfAnyInRange('1', '9') < 0;
        if (mantissaIsZero || negativeExponent)
        {
            return literal[0] == '-' ? -0.0 : 0.0;
        }
        return literal[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
    }

    private readonly bool Follows(string literal) => _s[_pos..].StartsWith(literal, StringComparison.Ordinal);

    private void SkipWhitespace()
    {
        while (_pos < _s.Length && _s[_pos] is ' ' or '\t' or '\n' or '\r')
        {
            _pos++;
        }
    }

    private PyValue? Fail(string message, int at)
    {
        if (_error is null)
        {
            _error = message;
            _errorAt = at;
        }
        return null;
    }

    private string? FailString(string message, int at)
    {
        Fail(message, at);
        return null;
    }

    private readonly string ErrorMessage() =>
        $"{_error}: line 1 column {_errorAt + 1} (char {_errorAt})";
}
