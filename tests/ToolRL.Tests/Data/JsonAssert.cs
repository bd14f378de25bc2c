using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Tests.Data;

/// <summary>Deep JSON comparison that reports the first differing path (numbers compared by value).</summary>
internal static class JsonAssert
{
    public static void Equal(JsonNode? expected, JsonNode? actual, string path = "$")
    {
        var difference = FirstDifference(expected, actual, path);
        Assert.True(difference is null, difference);
    }

    public static string? FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (null, null):
                return null;
            case (JsonObject e, JsonObject a):
                var keys = e.Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                var actualKeys = a.Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
                if (!keys.SequenceEqual(actualKeys))
                {
                    return $"{path}: keys [{string.Join(",", keys)}] vs [{string.Join(",", actualKeys)}]";
                }
                return keys.Select(k => FirstDifference(e[k], a[k], $"{path}.{k}")).FirstOrDefault(d => d is not null);
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count)
                {
                    return $"{path}: {e.Count} elements vs {a.Count}";
                }
                return Enumerable.Range(0, e.Count).Select(i => FirstDifference(e[i], a[i], $"{path}[{i}]")).FirstOrDefault(d => d is not null);
            case (JsonValue e, JsonValue a):
                if (e.GetValueKind() == JsonValueKind.Number && a.GetValueKind() == JsonValueKind.Number)
                {
                    return AsDecimal(e) == AsDecimal(a) ? null : $"{path}: {e} vs {a}";
                }
                return e.GetValueKind() == a.GetValueKind() && e.ToJsonString() == a.ToJsonString() ? null : $"{path}: {e.ToJsonString()} vs {a.ToJsonString()}";
            default:
                return $"{path}: {expected?.ToJsonString() ?? "null"} vs {actual?.ToJsonString() ?? "null"}";
        }
    }

    // Parsed nodes hold JsonElements, built ones CLR values: compare both through their JSON text.
    private static decimal AsDecimal(JsonValue value) => JsonDocument.Parse(value.ToJsonString()).RootElement.GetDecimal();
}
