using System.Text;
using System.Text.Json.Nodes;
using ToolRL.Data.Synthetic;
using ToolRL.Rewards.Python;
using ToolRL.Torch.IO;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL entries as verl/ToolRL RL rows, so a training run can validate on BFCL's metric: the prompt is the ToolRL
/// handler's (system + user, which the Qwen2.5 chat template renders byte for byte as the handler does), the
/// ground truth a ToolRL-format answer built from each parameter's first allowed value (so the <c>toolrl</c>
/// reward and exact match also apply), and <c>extra_info.bfcl</c> the whole BFCL case, which the
/// <c>bfcl_ast</c> reward checks (<see cref="BfclAstReward"/>).
/// </summary>
public static class BfclRows
{
    /// <summary>The row's <c>data_source</c>.</summary>
    public const string DataSource = "bfcl";

    /// <summary>The answer written for irrelevance entries (no call).</summary>
    public const string NoToolAnswer = "None of the given tools can answer this request.";

    /// <summary>One RL row (<c>data_source</c>, <c>prompt</c>, <c>reward_model.ground_truth</c>, <c>extra_info</c>).</summary>
    /// <param name="entry">The BFCL entry.</param>
    public static JsonObject ToRow(BfclEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var (system, user) = ToolRLBfclHandler.PromptMessages(entry);
        return new JsonObject
        {
            ["data_source"] = DataSource,
            ["prompt"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = system },
                new JsonObject { ["role"] = "user", ["content"] = user }),
            ["reward_model"] = new JsonObject { ["style"] = "rule", ["ground_truth"] = ToolRLAnswer(entry) },
            ["extra_info"] = new JsonObject { ["bfcl"] = CaseJson(entry) },
        };
    }

    /// <summary>Writes one row per entry to a JSON Lines file (through <see cref="AtomicFile"/>, so a reader never sees half of it).</summary>
    /// <param name="path">The file.</param>
    /// <param name="entries">The entries, in order.</param>
    public static void Write(string path, IEnumerable<BfclEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        JsonLines.Write(path, entries.Select(ToRow));
    }

    /// <summary>The BFCL case of a row's <c>extra_info.bfcl</c>: id, category, function docs and ground truth.</summary>
    internal static JsonNode CaseJson(BfclEntry entry)
    {
        var truth = entry.GroundTruth is null
            ? "null"
            : PyValueJson.Dumps(PyValue.FromList([.. entry.GroundTruth.Select(call =>
            {
                var dict = new PyDict();
                dict.Set(call.Name, PyValue.FromDict(call.Allowed));
                return PyValue.FromDict(dict);
            })]));
        var functions = PyValueJson.Dumps(PyValue.FromList([.. entry.Functions.Select(f => f.Raw)]));
        var text = new StringBuilder("{\"id\": ");
        Tokenization.PythonJson.WriteString(text, entry.Id);
        text.Append(", \"category\": ");
        Tokenization.PythonJson.WriteString(text, entry.Category);
        text.Append(", \"function\": ").Append(functions).Append(", \"ground_truth\": ").Append(truth).Append('}');
        return JsonNode.Parse(text.ToString())!;
    }

    /// <summary>Reads a case written by <see cref="CaseJson"/>; null when <paramref name="node"/> is not one.</summary>
    internal static BfclEntry? ParseCase(JsonNode? node)
    {
        if (node is not JsonObject || PyJson.Parse(node.ToJsonString())?.Dict is not { } dict
            || dict.Get("id")?.Text is not { } id || dict.Get("category")?.Text is not { } category
            || dict.Get("function")?.Items is not { } docs)
        {
            return null;
        }
        try
        {
            var functions = docs.Select((d, i) => BfclFunctionDoc.Parse(d, $"{id} function[{i}]")).ToList();
            var truth = dict.Get("ground_truth")?.Items?.Select((c, i) => BfclExpectedCall.Parse(c, $"{id} ground_truth[{i}]")).ToList();
            return new BfclEntry(id, category, [], functions, truth);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // The ToolRL-format answer: each ground-truth call with every parameter's first allowed value that is not ""
    // (parameters allowed only to be omitted are left out); a <response> for the no-call categories.
    private static string ToolRLAnswer(BfclEntry entry)
    {
        if (entry.GroundTruth is null)
        {
            return PromptText.ResponseAnswer(NoToolAnswer);
        }
        var lines = entry.GroundTruth.Select(call =>
        {
            var parameters = new PyDict();
            for (var i = 0; i < call.Allowed.Count; i++)
            {
                if (FirstValue(call.Allowed.ValueAt(i).Items!) is { } value)
                {
                    parameters.Set(call.Allowed.KeyAt(i), value);
                }
            }
            var line = new PyDict();
            line.Set("name", PyValue.FromString(call.Name));
            line.Set("parameters", PyValue.FromDict(parameters));
            return PyValueJson.Dumps(PyValue.FromDict(line), ensureAscii: true);
        });
        return PromptText.ToolThought + "\n<tool_call>\n" + string.Join("\n", lines) + "\n</tool_call>";
    }

    // An allowed dict ({key: [allowed]}) and a list of them become concrete values the same way.
    private static PyValue? FirstValue(IReadOnlyList<PyValue> allowed)
    {
        var first = allowed.FirstOrDefault(v => !BfclTypes.IsOmitMarker(v));
        return first is null ? null : Concrete(first);
    }

    private static PyValue Concrete(PyValue value)
    {
        if (value.Dict is { } allowedDict && IsAllowedDict(allowedDict))
        {
            var concrete = new PyDict();
            for (var i = 0; i < allowedDict.Count; i++)
            {
                if (FirstValue(allowedDict.ValueAt(i).Items!) is { } v)
                {
                    concrete.Set(allowedDict.KeyAt(i), v);
                }
            }
            return PyValue.FromDict(concrete);
        }
        if (value.Items is { Count: > 0 } items && items.All(i => i.Dict is { } d && IsAllowedDict(d)))
        {
            return PyValue.FromList([.. items.Select(Concrete)]);
        }
        return value;
    }

    private static bool IsAllowedDict(PyDict dict)
    {
        for (var i = 0; i < dict.Count; i++)
        {
            if (dict.ValueAt(i).Kind != PyKind.List)
            {
                return false;
            }
        }
        return true;
    }
}
