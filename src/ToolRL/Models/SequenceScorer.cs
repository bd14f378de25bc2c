using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Torch.IO;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>
/// Per-token log-probabilities of JSONL lines under a causal LM (what <c>toolrl score</c> writes): each line has
/// <c>"ids"</c> (or <c>"text"</c>, encoded and then given <c>"ids"</c>) and gets <c>"logprobs"</c>,
/// log p(x_t | x_&lt;t) for t = 1 … n−1, in order; every other field is kept.
/// </summary>
public static class SequenceScorer
{
    /// <summary>
    /// Adds <c>"logprobs"</c> (and <c>"ids"</c> for text lines) to one JSON line; <paramref name="encode"/> tokenizes
    /// text lines (called only for them); <paramref name="where"/> (file:line) prefixes errors.
    /// </summary>
    /// <exception cref="FormatException">The line is not a JSON object with valid ids or a text.</exception>
    public static string ScoreJsonLine(Qwen2ForCausalLM model, Func<string, IReadOnlyList<int>> encode, string line, string where)
    {
        JsonObject row;
        try
        {
            row = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{where}: a line must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{where}: not valid JSON ({e.Message})", e);
        }
        long[] ids;
        if (row["ids"] is JsonArray array)
        {
            ids = new long[array.Count];
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out ids[i])
                    || ids[i] < 0 || ids[i] >= model.Config.VocabSize)
                {
                    throw new FormatException(
                        $"{where}: \"ids\"[{i}] = {array[i]?.ToJsonString() ?? "null"} is not a token id in [0, {model.Config.VocabSize}); fix: use ids of this model's tokenizer");
                }
            }
        }
        else if (row["text"] is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            ids = encode(text.GetValue<string>()).Select(x => (long)x).ToArray();
            row["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]);
        }
        else
        {
            throw new FormatException($"{where}: needs an \"ids\" array of token ids or a string \"text\"");
        }
        row["logprobs"] = new JsonArray([.. TokenLogProbs(model, ids).Select(x => (JsonNode)x)]);
        return JsonLines.ToLine(row);
    }

    /// <summary>log p(ids[t] | ids[&lt;t]) for t = 1 … n−1 (empty for fewer than two ids).</summary>
    public static float[] TokenLogProbs(Qwen2ForCausalLM model, IReadOnlyList<long> ids)
    {
        if (ids.Count < 2)
        {
            return [];
        }
        using var scope = NewScope();
        using var noGrad = NoGrad();
        var input = FromArray(ids.ToArray(), 1, ids.Count).To(model.Device);
        var ones = OnesLike(input);
        var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones, new LogProbOptions { WithEntropy = false });
        return lp.Narrow(1, 1, ids.Count - 1).To(ToolRL.Torch.Device.Cpu).Contiguous().ToArray<float>();
    }
}
