using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Parquet.Schema;

namespace ToolRL.Data.Parquet;

/// <summary>
/// The parquet schema of a set of JSON rows, inferred over every row: strings, 64-bit integers, doubles
/// (a field holding both integers and fractions), booleans, structs (the union of the keys seen, in order of
/// first appearance) and lists (three-level LIST, elements named <c>element</c> as pyarrow writes them).
/// Every field is optional. verl rows thus get verl's schema: <c>prompt</c> a list of {role, content}
/// structs, <c>reward_model</c> {ground_truth, style}, <c>extra_info</c> a struct.
/// </summary>
internal sealed class RowSchema
{
    private enum Kind { Unknown, String, Integer, Double, Boolean, Struct, List }

    private sealed class Shape(string path)
    {
        public string Path { get; } = path;
        public Kind Kind { get; set; }
        public Dictionary<string, Shape> Members { get; } = new(StringComparer.Ordinal);
        public List<string> MemberOrder { get; } = [];
        public Shape? Element { get; set; }
    }

    private readonly Shape _root = new("") { Kind = Kind.Struct };

    /// <summary>Widens the schema to hold <paramref name="row"/>.</summary>
    /// <exception cref="DatasetException">A field holds values of two kinds parquet cannot put in one column.</exception>
    public void Add(JsonObject row) => Observe(_root, row);

    /// <summary>The parquet schema of every row added so far.</summary>
    public ParquetSchema ToParquetSchema()
    {
        if (_root.MemberOrder.Count == 0)
        {
            throw new DatasetException("parquet needs at least one column: the rows have no fields");
        }
        return new ParquetSchema(_root.MemberOrder.Select(name => ToField(name, _root.Members[name])).ToArray());
    }

    /// <summary>The row as Parquet.Net's untyped serializer takes it (dictionaries, lists, CLR values).</summary>
    public IDictionary<string, object?> ToUntyped(JsonObject row) => (IDictionary<string, object?>)Untyped(_root, row)!;

    private static void Observe(Shape shape, JsonNode? node)
    {
        var kind = KindOf(node);
        if (kind == Kind.Unknown)
        {
            return; // null: fits any column
        }
        shape.Kind = (shape.Kind, kind) switch
        {
            (Kind.Unknown, _) => kind,
            var (a, b) when a == b => a,
            (Kind.Integer, Kind.Double) or (Kind.Double, Kind.Integer) => Kind.Double,
            _ => throw new DatasetException(
                $"field '{shape.Path}' holds both {Describe(shape.Kind)} and {Describe(kind)} values; a parquet column has one type (make the field consistent across rows)"),
        };
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    if (!shape.Members.TryGetValue(name, out var member))
                    {
                        member = shape.Members[name] = new Shape(shape.Path.Length == 0 ? name : $"{shape.Path}.{name}");
                        shape.MemberOrder.Add(name);
                    }
                    Observe(member, value);
                }
                break;
            case JsonArray array:
                shape.Element ??= new Shape($"{shape.Path}[]");
                foreach (var item in array)
                {
                    Observe(shape.Element, item);
                }
                break;
        }
    }

    private static Kind KindOf(JsonNode? node) => node switch
    {
        null => Kind.Unknown,
        JsonObject => Kind.Struct,
        JsonArray => Kind.List,
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => Kind.String,
            JsonValueKind.True or JsonValueKind.False => Kind.Boolean,
            JsonValueKind.Number => long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? Kind.Integer : Kind.Double,
            _ => Kind.Unknown,
        },
        _ => Kind.Unknown,
    };

    private static string Describe(Kind kind) => kind switch
    {
        Kind.Struct => "object",
        Kind.List => "array",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static Field ToField(string name, Shape shape) => shape.Kind switch
    {
        // A field that is null in every row carries no type: a nullable string column keeps it.
        Kind.Unknown or Kind.String => new DataField<string>(name, nullable: true),
        Kind.Integer => new DataField<long?>(name),
        Kind.Double => new DataField<double?>(name),
        Kind.Boolean => new DataField<bool?>(name),
        Kind.Struct when shape.MemberOrder.Count == 0 => throw new DatasetException(
            $"field '{shape.Path}' is an empty object in every row; parquet cannot store a struct without fields (drop the field or give it one)"),
        Kind.Struct => new StructField(name, shape.MemberOrder.Select(m => ToField(m, shape.Members[m])).ToArray()),
        Kind.List => new ListField(name, ToField(ListField.ElementName, shape.Element ?? new Shape(shape.Path + "[]"))),
        _ => throw new InvalidOperationException($"unhandled kind {shape.Kind}"),
    };

    private static object? Untyped(Shape shape, JsonNode? node) => node is null ? null : shape.Kind switch
    {
        Kind.Unknown or Kind.String => node.GetValue<string>(),
        Kind.Integer => long.Parse(node.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        Kind.Double => double.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
        Kind.Boolean => node.GetValue<bool>(),
        Kind.Struct => shape.MemberOrder.ToDictionary(m => m, m => Untyped(shape.Members[m], node.AsObject()[m]), StringComparer.Ordinal),
        Kind.List => List(shape.Element!, node.AsArray()),
        _ => throw new InvalidOperationException($"unhandled kind {shape.Kind}"),
    };

    /// <summary>A list as Parquet.Net's untyped serializer takes it: typed by its element column.</summary>
    private static object List(Shape element, JsonArray items) => element.Kind switch
    {
        // Parquet.Net holds string columns as ReadOnlyMemory<char>; in lists it takes them only in that form.
        Kind.Unknown or Kind.String => items.Select(i => Untyped(element, i) is string text ? text.AsMemory() : (ReadOnlyMemory<char>?)null).ToList(),
        Kind.Integer => items.Select(i => (long?)Untyped(element, i)).ToList(),
        Kind.Double => items.Select(i => (double?)Untyped(element, i)).ToList(),
        Kind.Boolean => items.Select(i => (bool?)Untyped(element, i)).ToList(),
        Kind.Struct => items.Select(i => (IDictionary<string, object?>)Untyped(element, i)!).ToList(),
        _ => items.Select(i => Untyped(element, i)).ToList(),
    };
}
