using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch.IO;

namespace ToolRL.Runs;

/// <summary>
/// <c>config_history.jsonl</c> of a run folder: one line per start or resume with the changed keys, so a run's
/// configuration can be followed through every <c>--allow-config-change</c>. Each revision's number is its line index.
/// </summary>
internal static class ConfigHistory
{
    /// <summary>File name inside the run folder.</summary>
    public const string FileName = "config_history.jsonl";

    /// <summary>Metric recording the configuration revision in effect, on every step after a change.</summary>
    public const string RevisionMetric = "config/revision";

    /// <summary>Prefix of the per-step metrics recording a changed setting's value (e.g. <c>config/actor_lr</c>).</summary>
    public const string SettingMetricPrefix = "config/";

    /// <summary>The entries so far (empty when there is no history).</summary>
    public static IReadOnlyList<JsonObject> Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return [];
        }
        var entries = new List<JsonObject>();
        foreach (var line in File.ReadAllLines(path))
        {
            try
            {
                if (!string.IsNullOrWhiteSpace(line) && JsonNode.Parse(line) is JsonObject entry)
                {
                    entries.Add(entry);
                }
            }
            catch (JsonException)
            {
                // A torn line is only history; the resolved configuration is what a run is compared with.
            }
        }
        return entries;
    }

    /// <summary>Appends one entry (rewriting the file atomically); returns its revision number.</summary>
    public static int Append(string folder, string @event, long? resumedAfterStep, IReadOnlyList<ConfigChange> changes)
    {
        var entries = Read(folder);
        var entry = new JsonObject
        {
            ["revision"] = entries.Count,
            ["utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["event"] = @event,
        };
        if (resumedAfterStep is { } step)
        {
            entry["resumed_after_step"] = step;
        }
        entry["changes"] = new JsonArray(changes.Select(c => (JsonNode)new JsonObject
        {
            ["key"] = c.Key,
            ["before"] = c.Before is null ? null : JsonNode.Parse(c.Before),
            ["after"] = c.After is null ? null : JsonNode.Parse(c.After),
        }).ToArray());
        JsonLines.Write(Path.Combine(folder, FileName), entries.Append(entry));
        return entries.Count;
    }

    /// <summary>
    /// The values recorded on every step of a run whose configuration was ever changed on resume: the revision in
    /// effect and the current numeric value of each key changed so far. Empty for a run never changed (so its
    /// metrics stay as they were).
    /// </summary>
    public static IReadOnlyDictionary<string, double> RecordedSettings(string folder, JsonObject resolved)
    {
        var entries = Read(folder);
        var changed = entries.SelectMany(e => e["changes"] as JsonArray ?? [])
            .Select(c => c?["key"]?.GetValue<string>())
            .OfType<string>()
            .Distinct()
            .ToList();
        if (changed.Count == 0)
        {
            return new Dictionary<string, double>();
        }
        var values = new Dictionary<string, double> { [RevisionMetric] = entries.Count - 1 };
        foreach (var key in changed)
        {
            JsonNode? node = resolved;
            foreach (var part in key.Split('.'))
            {
                node = node is JsonObject o ? o[part] : null;
            }
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
            {
                values[SettingMetricPrefix + key] = double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
            }
        }
        return values;
    }
}
