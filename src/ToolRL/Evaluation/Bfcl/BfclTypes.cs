using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>A decoded value's Python <c>type()</c>, as the checker compares them (exact: bool is not int).</summary>
internal enum PyType : byte
{
    NoneType,
    Bool,
    Int,
    Float,
    Str,
    List,
    Dict,
}

/// <summary>BFCL's <c>PYTHON_TYPE_MAPPING</c> from schema type names to Python types, and <c>type(value)</c>.</summary>
internal static class BfclTypes
{
    /// <summary>The schema types the checker knows; any other is an error of the function doc.</summary>
    public static readonly IReadOnlyList<string> SchemaTypes = ["string", "integer", "float", "boolean", "array", "tuple", "dict", "any"];

    /// <summary>
    /// The Python type a schema type stands for: <c>any</c> means <c>str</c> and <c>tuple</c> means <c>list</c> (a JSON
    /// round trip turns tuples into lists); null for a type BFCL does not know.
    /// </summary>
    public static PyType? FromSchema(string? schemaType) => schemaType switch
    {
        "string" or "any" => PyType.Str,
        "integer" => PyType.Int,
        "float" => PyType.Float,
        "boolean" => PyType.Bool,
        "array" or "tuple" => PyType.List,
        "dict" => PyType.Dict,
        _ => null,
    };

    /// <summary>Schema types whose items are type-checked one level deep (<c>PYTHON_NESTED_TYPE_CHECK_LIST</c>).</summary>
    public static bool HasCheckedItems(string schemaType) => schemaType is "array" or "tuple";

    public static PyType Of(PyValue value) => value.Kind switch
    {
        PyKind.None => PyType.NoneType,
        PyKind.Bool => PyType.Bool,
        PyKind.Int or PyKind.BigInt => PyType.Int,
        PyKind.Float => PyType.Float,
        PyKind.Str => PyType.Str,
        PyKind.List => PyType.List,
        _ => PyType.Dict,
    };

    /// <summary>Python's name of the type, for messages.</summary>
    public static string Name(PyType type) => type switch
    {
        PyType.NoneType => "NoneType",
        PyType.Bool => "bool",
        PyType.Int => "int",
        PyType.Float => "float",
        PyType.Str => "str",
        PyType.List => "list",
        _ => "dict",
    };

    /// <summary>The <c>""</c> marker of an allowed-values list: "this parameter may be omitted".</summary>
    public static bool IsOmitMarker(PyValue value) => value.Kind == PyKind.Str && value.Text!.Length == 0;

    /// <summary><c>"" in allowed</c>.</summary>
    public static bool AllowsOmission(IReadOnlyList<PyValue> allowed)
    {
        foreach (var value in allowed)
        {
            if (IsOmitMarker(value))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Python's <c>value in allowed</c>: identity first, then <c>==</c> (<c>1 == 1.0 == True</c>).</summary>
    public static bool In(PyValue value, IReadOnlyList<PyValue> allowed)
    {
        foreach (var candidate in allowed)
        {
            if (PyEquality.Equal(value, candidate, inContainer: true))
            {
                return true;
            }
        }
        return false;
    }
}
