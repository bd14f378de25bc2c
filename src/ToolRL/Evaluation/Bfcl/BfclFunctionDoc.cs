using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// One function doc of a BFCL question (<c>{name, description, parameters: {type: "dict", properties, required}}</c>),
/// checked on load so that the checker never meets a doc it cannot read.
/// </summary>
internal sealed class BfclFunctionDoc
{
    private BfclFunctionDoc(PyValue raw, string name, string description, PyDict properties, IReadOnlyList<string> required)
    {
        Raw = raw;
        Name = name;
        Description = description;
        Properties = properties;
        Required = required;
    }

    /// <summary>The doc as read (for prompts).</summary>
    public PyValue Raw { get; }

    public string Name { get; }

    public string Description { get; }

    /// <summary>Parameter name → schema (<c>{type, description, items?, …}</c>), in the file's order.</summary>
    public PyDict Properties { get; }

    public IReadOnlyList<string> Required { get; }

    /// <summary>The schema type of <paramref name="param"/> and, for arrays and tuples, of its items.</summary>
    public (string Type, string? ItemsType) TypeOf(string param)
    {
        var schema = Properties.Get(param)!.Dict!;
        var type = schema.Get("type")!.Text!;
        var items = BfclTypes.HasCheckedItems(type) ? schema.Get("items")?.Dict?.Get("type")?.Text : null;
        return (type, items);
    }

    /// <summary>Reads and checks one doc; the message of the exception names <paramref name="where"/> and the field.</summary>
    /// <exception cref="FormatException">The doc is not in BFCL's format.</exception>
    public static BfclFunctionDoc Parse(PyValue raw, string where)
    {
        var doc = raw.Dict ?? throw Bad(where, "is not an object");
        var name = doc.Get("name")?.Text ?? throw Bad(where, "has no string \"name\"");
        var description = doc.Get("description")?.Text ?? "";
        var parameters = doc.Get("parameters")?.Dict ?? throw Bad(where, $"({name}) has no object \"parameters\"");
        var properties = parameters.Get("properties")?.Dict ?? throw Bad(where, $"({name}) has no object \"parameters.properties\"");
        for (var i = 0; i < properties.Count; i++)
        {
            var param = properties.KeyAt(i);
            var schema = properties.ValueAt(i).Dict ?? throw Bad(where, $"({name}) parameter '{param}' is not an object");
            var type = schema.Get("type")?.Text;
            if (BfclTypes.FromSchema(type) is null)
            {
                throw Bad(where, $"({name}) parameter '{param}' has type {Show(schema.Get("type"))}; use one of {string.Join(", ", BfclTypes.SchemaTypes)}");
            }
            if (BfclTypes.HasCheckedItems(type!) && BfclTypes.FromSchema(schema.Get("items")?.Dict?.Get("type")?.Text) is null)
            {
                throw Bad(where, $"({name}) parameter '{param}' is an {type} without a known \"items.type\"; give one of {string.Join(", ", BfclTypes.SchemaTypes)}");
            }
        }
        var required = new List<string>();
        if (parameters.Get("required") is { } requiredValue)
        {
            foreach (var item in requiredValue.Items ?? throw Bad(where, $"({name}) \"parameters.required\" is not a list"))
            {
                required.Add(item.Text ?? throw Bad(where, $"({name}) \"parameters.required\" holds {item}, not a parameter name"));
            }
        }
        return new BfclFunctionDoc(raw, name, description, properties, required);
    }

    private static string Show(PyValue? value) => value is null ? "(none)" : PyValueJson.Dumps(value);

    private static FormatException Bad(string where, string what) => new($"{where}: the function doc {what}.");
}
