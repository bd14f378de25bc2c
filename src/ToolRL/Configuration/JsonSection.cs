using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>
/// Strict reader of one JSON object of a configuration. Every read names its key, so that
/// <see cref="RejectUnknownKeys"/> can refuse anything not read (typos included, with a suggestion), and every
/// bad value is recorded with its JSON path, the value and the fix instead of throwing on the first one.
/// A JSON <c>null</c> means "not given" (the default applies).
/// </summary>
internal sealed class JsonSection
{
    private readonly JsonObject _obj;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public JsonSection(JsonObject obj, string path, ConfigErrorList errors)
    {
        _obj = obj;
        Path = path;
        Errors = errors;
    }

    public string Path { get; }

    public ConfigErrorList Errors { get; }

    public string PathOf(string key) => $"{Path}.{key}";

    /// <summary>True when <paramref name="key"/> is present and not null (and marks it known).</summary>
    public bool Has(string key)
    {
        _known.Add(key);
        return _obj.TryGetPropertyValue(key, out var node) && node is not null;
    }

    /// <summary>Records an error about <paramref name="key"/>, quoting its current value.</summary>
    public void Error(string key, string problem, string fix) =>
        Errors.Add(PathOf(key), _obj.TryGetPropertyValue(key, out var node) ? Show(node) : null, problem, fix);

    /// <summary>
    /// True when <paramref name="divisor"/> (the value of <paramref name="divisorKey"/>) divides <paramref name="dividend"/>
    /// (of <paramref name="dividendKey"/>); otherwise records the error on <paramref name="divisorKey"/> and returns false.
    /// </summary>
    public bool Divides(string divisorKey, int divisor, string dividendKey, int dividend, string fix)
    {
        if (dividend % divisor == 0)
        {
            return true;
        }
        Error(divisorKey, $"{dividendKey} {dividend} is not divisible by {divisorKey} {divisor}", fix);
        return false;
    }

    public int Int(string key, int fallback, int min, string rule, string fix) =>
        Number(key, fallback, "a whole number", e => e.TryGetInt32(out var v) ? v : null, v => v >= min, rule, fix);

    public int? OptionalInt(string key, int min, string rule, string fix) =>
        Has(key) ? Int(key, 0, min, rule, fix) : null;

    public long Long(string key, long fallback, long min, string rule, string fix) =>
        Number(key, fallback, "a whole number", e => e.TryGetInt64(out var v) ? v : null, v => v >= min, rule, fix);

    public double Double(string key, double fallback, Func<double, bool> valid, string rule, string fix) =>
        Number(key, fallback, "a number", e => e.TryGetDouble(out var v) ? v : null, valid, rule, fix);

    public double? OptionalDouble(string key, Func<double, bool> valid, string rule, string fix) =>
        Has(key) ? Double(key, 0, valid, rule, fix) : null;

    public bool Bool(string key, bool fallback)
    {
        if (!Has(key))
        {
            return fallback;
        }
        var kind = _obj[key]!.GetValueKind();
        if (kind is JsonValueKind.True or JsonValueKind.False)
        {
            return kind == JsonValueKind.True;
        }
        Error(key, "expected true or false", $"write {key} as a JSON boolean, e.g. \"{key}\": {(fallback ? "true" : "false")}");
        return fallback;
    }

    public string? OptionalString(string key, Func<string, bool> valid, string rule, string fix)
    {
        if (!Has(key))
        {
            return null;
        }
        if (_obj[key] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (valid(text))
            {
                return text;
            }
            Error(key, rule, fix);
            return null;
        }
        Error(key, "expected a string", fix);
        return null;
    }

    public string String(string key, string fallback, Func<string, bool> valid, string rule, string fix) =>
        OptionalString(key, valid, rule, fix) ?? fallback;

    public T Enum<T>(string key, T fallback, EnumNames<T> names, string fix) where T : struct, Enum
    {
        var allowed = string.Join(", ", names.CanonicalNames.Select(n => $"\"{n}\""));
        var text = OptionalString(key, _ => true, "", $"use one of {allowed}");
        if (text is null)
        {
            return fallback;
        }
        if (names.TryParse(text, out var value))
        {
            return value;
        }
        Error(key, $"unknown value (allowed: {allowed})", fix);
        return fallback;
    }

    /// <summary>A list of non-empty strings (a single string is accepted as a list of one).</summary>
    public IReadOnlyList<string> StringList(string key, string fix)
    {
        if (!Has(key))
        {
            return [];
        }
        var node = _obj[key]!;
        if (node is JsonValue single && single.GetValueKind() == JsonValueKind.String && single.GetValue<string>().Length > 0)
        {
            return [single.GetValue<string>()];
        }
        if (node is JsonArray array && array.All(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0))
        {
            return array.Select(n => n!.GetValue<string>()).ToArray();
        }
        Error(key, "expected a non-empty string or a list of non-empty strings", fix);
        return [];
    }

    /// <summary>The nested object <paramref name="key"/> as a section, or null when absent (or not an object: recorded).</summary>
    public JsonSection? Section(string key)
    {
        var obj = Object(key);
        return obj is null ? null : new JsonSection(obj, PathOf(key), Errors);
    }

    /// <summary>The nested object <paramref name="key"/>, unread (for sections validated elsewhere).</summary>
    public JsonObject? Object(string key)
    {
        if (!Has(key))
        {
            return null;
        }
        if (_obj[key] is JsonObject obj)
        {
            return obj;
        }
        Error(key, "expected a JSON object { ... }", $"write {key} as an object, see docs/configuration.md");
        return null;
    }

    /// <summary>The array <paramref name="key"/> as sections (each element must be an object).</summary>
    public IReadOnlyList<JsonSection> SectionList(string key, string fix)
    {
        if (!Has(key))
        {
            return [];
        }
        if (_obj[key] is not JsonArray array)
        {
            Error(key, "expected a list [ {...}, ... ]", fix);
            return [];
        }
        var result = new List<JsonSection>();
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject item)
            {
                result.Add(new JsonSection(item, $"{PathOf(key)}[{i}]", Errors));
            }
            else
            {
                Errors.Add($"{PathOf(key)}[{i}]", Show(array[i]), "expected an object", fix);
            }
        }
        return result;
    }

    /// <summary>Refuses every key that no read asked for, suggesting the closest known key.</summary>
    public void RejectUnknownKeys()
    {
        foreach (var (key, node) in _obj)
        {
            if (_known.Contains(key))
            {
                continue;
            }
            var suggestion = _known.OrderBy(k => EditDistance(k, key)).FirstOrDefault();
            var fix = suggestion is not null && EditDistance(suggestion, key) <= Math.Max(2, key.Length / 3)
                ? $"did you mean \"{suggestion}\"? Otherwise remove it"
                : $"remove it (known keys here: {string.Join(", ", _known.Order(StringComparer.Ordinal))})";
            Errors.Add(PathOf(key), Show(node), "unknown key", fix);
        }
    }

    private T Number<T>(string key, T fallback, string kindName, Func<JsonElement, T?> convert, Func<T, bool> valid, string rule, string fix)
        where T : struct
    {
        if (!Has(key))
        {
            return fallback;
        }
        var node = _obj[key]!;
        if (node.GetValueKind() != JsonValueKind.Number)
        {
            Error(key, $"expected {kindName}", fix);
            return fallback;
        }
        var parsed = convert(JsonSerializer.SerializeToElement(node));
        if (parsed is not { } value)
        {
            Error(key, $"expected {kindName}", fix);
            return fallback;
        }
        if (!valid(value))
        {
            Error(key, rule, fix);
            return fallback;
        }
        return value;
    }

    private static string Show(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 80 ? text : text[..77] + "...";
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            previous = current;
        }
        return previous[b.Length];
    }

    /// <summary>Culture-invariant number text for messages.</summary>
    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
