using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Models;

/// <summary>
/// Typed, forgiving reads of a Hugging Face JSON config object. Hugging Face tolerates unknown keys and
/// takes class defaults for absent ones; a present key of the wrong type is an error naming the source
/// file, the field and the value (never a silent default).
/// </summary>
internal sealed class JsonFields
{
    private readonly JsonObject _root;

    public JsonFields(JsonObject root, string source)
    {
        _root = root;
        Source = source;
    }

    /// <summary>The file (or description) the object came from, used in messages.</summary>
    public string Source { get; }

    /// <summary>Parses <paramref name="json"/> as an object or throws a message naming <paramref name="source"/>.</summary>
    public static JsonFields Parse(string json, string source)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new ModelConfigException($"{source}: not valid JSON ({e.Message}); fix: repair or re-download the file.", e);
        }
        if (node is not JsonObject obj)
        {
            throw new ModelConfigException($"{source}: expected a JSON object at the top level; fix: repair or re-download the file.");
        }
        return new JsonFields(obj, source);
    }

    public bool Has(string field) => _root.TryGetPropertyValue(field, out var v) && v is not null;

    public Exception Error(string field, string valueText, string requirement, string fix) =>
        new ModelConfigException($"{Source}: field '{field}' = {valueText} {requirement}; fix: {fix}.");

    private string Show(string field) => _root[field]?.ToJsonString() ?? "null";

    public long GetLong(string field, long fallback) => GetLongOrNull(field) ?? fallback;

    public long? GetLongOrNull(string field) =>
        Element(field, IsWholeNumber, "is not an integer", "write a whole number") is { } e ? (e.TryGetInt64(out var l) ? l : (long)e.GetDouble()) : null;

    public double GetDouble(string field, double fallback) => GetDoubleOrNull(field) ?? fallback;

    public double? GetDoubleOrNull(string field) =>
        Element(field, e => e.ValueKind == JsonValueKind.Number, "is not a number", "write a number such as 1e-06")?.GetDouble();

    public bool GetBool(string field, bool fallback) =>
        Element(field, e => e.ValueKind is JsonValueKind.True or JsonValueKind.False, "is not a boolean", "write true or false")?.GetBoolean() ?? fallback;

    public string? GetString(string field) =>
        Element(field, e => e.ValueKind == JsonValueKind.String, "is not a string", "write a JSON string")?.GetString();

    /// <summary>Some tools write integers as 2.0; exact integers are accepted, other numbers are not.</summary>
    private static bool IsWholeNumber(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number)
        {
            return false;
        }
        if (e.TryGetInt64(out _))
        {
            return true;
        }
        var d = e.GetDouble();
        return Math.Floor(d) == d && Math.Abs(d) < 9e15;
    }

    /// <summary>
    /// The one typed read: null when the field is absent or null; the field's JSON value when <paramref name="accepts"/>
    /// it; otherwise the error naming the source, the field, its value, <paramref name="requirement"/> and
    /// <paramref name="fix"/>.
    /// </summary>
    private JsonElement? Element(string field, Func<JsonElement, bool> accepts, string requirement, string fix)
    {
        if (!Has(field))
        {
            return null;
        }
        if (_root[field] is JsonValue v && v.TryGetValue<JsonElement>(out var e) && accepts(e))
        {
            return e;
        }
        throw Error(field, Show(field), requirement, fix);
    }

    /// <summary>An id field that Hugging Face allows as one integer or a list of integers (eos_token_id).</summary>
    public IReadOnlyList<long> GetIdList(string field)
    {
        if (!Has(field))
        {
            return [];
        }
        var node = _root[field]!;
        if (node is JsonArray array)
        {
            var ids = new List<long>(array.Count);
            foreach (var item in array)
            {
                if (item is JsonValue iv && iv.TryGetValue<JsonElement>(out var ie) && ie.ValueKind == JsonValueKind.Number
                    && ie.TryGetInt64(out var id) && id >= 0)
                {
                    ids.Add(id);
                }
                else
                {
                    throw Error(field, Show(field), "contains a non-integer or negative entry", "list token ids as non-negative integers");
                }
            }
            return ids;
        }
        var single = GetLongOrNull(field)!.Value;
        if (single < 0)
        {
            throw Error(field, Show(field), "is negative", "use a token id ≥ 0 or remove the field");
        }
        return [single];
    }

    /// <summary>The raw node (for keys that are re-emitted unchanged, e.g. rope_scaling).</summary>
    public JsonNode? Raw(string field) => _root[field];

    public static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
