using System.Numerics;

namespace ToolRL.Rewards.Python;

/// <summary>The Python type a <see cref="PyValue"/> holds, as <c>json.loads</c> produces it.</summary>
internal enum PyKind : byte
{
    /// <summary><c>None</c> (JSON null).</summary>
    None,
    /// <summary><c>bool</c>; <see cref="PyValue.Integer"/> holds 0 or 1 (Python's <c>True == 1</c>).</summary>
    Bool,
    /// <summary><c>int</c> that fits in 64 bits (<see cref="PyValue.Integer"/>).</summary>
    Int,
    /// <summary><c>int</c> beyond 64 bits (<see cref="PyValue.Big"/>); Python ints are unbounded.</summary>
    BigInt,
    /// <summary><c>float</c> (<see cref="PyValue.Float"/>), including NaN and the infinities.</summary>
    Float,
    /// <summary><c>str</c> (<see cref="PyValue.Text"/>).</summary>
    Str,
    /// <summary><c>list</c> (<see cref="PyValue.Items"/>).</summary>
    List,
    /// <summary><c>dict</c> with string keys (<see cref="PyValue.Dict"/>).</summary>
    Dict,
}

/// <summary>
/// One value decoded by <see cref="PyJson"/>, with the Python type it would have after <c>json.loads</c>.
/// Equality follows Python's <c>==</c>, see <see cref="PyEquality"/>.
/// </summary>
internal sealed class PyValue
{
    /// <summary>Python <c>None</c>.</summary>
    public static readonly PyValue None = new(PyKind.None);

    /// <summary>Python <c>True</c>.</summary>
    public static readonly PyValue True = new(PyKind.Bool) { Integer = 1 };

    /// <summary>Python <c>False</c>.</summary>
    public static readonly PyValue False = new(PyKind.Bool) { Integer = 0 };

    /// <summary>
    /// The single NaN object: Python's json module returns the same <c>float('nan')</c> object for every
    /// <c>NaN</c> literal (<c>json.decoder._CONSTANTS</c>), so inside lists and dicts, whose comparison
    /// checks identity first, NaN equals NaN. See <see cref="PyEquality"/>.
    /// </summary>
    public static readonly PyValue NaN = new(PyKind.Float) { Float = double.NaN };

    private PyValue(PyKind kind) => Kind = kind;

    /// <summary>The Python type.</summary>
    public PyKind Kind { get; }

    /// <summary>The value of a <see cref="PyKind.Bool"/> (0/1) or <see cref="PyKind.Int"/>.</summary>
    public long Integer { get; private init; }

    /// <summary>The value of a <see cref="PyKind.Float"/>.</summary>
    public double Float { get; private init; }

    // The string, list, dict or boxed BigInteger; one field keeps every value small (many are allocated).
    private object? Reference { get; init; }

    /// <summary>The value of a <see cref="PyKind.BigInt"/>.</summary>
    public BigInteger Big => Reference is BigInteger big ? big : Integer;

    /// <summary>The value of a <see cref="PyKind.Str"/>; null otherwise.</summary>
    public string? Text => Reference as string;

    /// <summary>The items of a <see cref="PyKind.List"/>; null otherwise.</summary>
    public IReadOnlyList<PyValue>? Items => Reference as IReadOnlyList<PyValue>;

    /// <summary>The entries of a <see cref="PyKind.Dict"/>; null otherwise.</summary>
    public PyDict? Dict => Reference as PyDict;

    /// <summary>True for <c>bool</c>, <c>int</c> and <c>float</c>, which compare by numeric value.</summary>
    public bool IsNumber => Kind is PyKind.Bool or PyKind.Int or PyKind.BigInt or PyKind.Float;

    /// <summary>An <c>int</c>; values beyond 64 bits become <see cref="PyKind.BigInt"/>.</summary>
    public static PyValue FromInteger(BigInteger value) =>
        value >= long.MinValue && value <= long.MaxValue ? FromInteger((long)value) : new PyValue(PyKind.BigInt) { Reference = value };

    /// <summary>An <c>int</c>.</summary>
    public static PyValue FromInteger(long value) => new(PyKind.Int) { Integer = value };

    /// <summary>A <c>float</c>; NaN maps to the shared <see cref="NaN"/> object.</summary>
    public static PyValue FromFloat(double value) => double.IsNaN(value) ? NaN : new PyValue(PyKind.Float) { Float = value };

    /// <summary>A <c>str</c>.</summary>
    public static PyValue FromString(string value) => new(PyKind.Str) { Reference = value };

    /// <summary>A <c>list</c>.</summary>
    public static PyValue FromList(IReadOnlyList<PyValue> items) => new(PyKind.List) { Reference = items };

    /// <summary>A <c>dict</c>.</summary>
    public static PyValue FromDict(PyDict dict) => new(PyKind.Dict) { Reference = dict };

    /// <summary>
    /// <c>len(value)</c>, or null where Python raises <c>TypeError</c> (None, bool, int, float have no len).
    /// A <c>str</c> counts code points.
    /// </summary>
    public int? PythonLength => Kind switch
    {
        PyKind.Str => PyText.CodePointLength(Text!),
        PyKind.List => Items!.Count,
        PyKind.Dict => Dict!.Count,
        _ => null,
    };

    /// <summary>A short Python-like rendering for error messages.</summary>
    public override string ToString() => Kind switch
    {
        PyKind.None => "None",
        PyKind.Bool => Integer == 1 ? "True" : "False",
        PyKind.Int => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PyKind.BigInt => Big.ToString(System.Globalization.CultureInfo.InvariantCulture),
        PyKind.Float => Float.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        PyKind.Str => "'" + Text + "'",
        PyKind.List => $"[list of {Items!.Count}]",
        _ => $"{{dict of {Dict!.Count}}}",
    };
}
