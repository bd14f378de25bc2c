using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ToolRL.Rewards;

/// <summary>
/// Where one argument value of a generated tool call stands in the response, and whether it equals the ground truth's.
/// </summary>
/// <param name="ByteStart">UTF-8 byte offset of the value's first character (a string's opening quote) in the response.</param>
/// <param name="ByteLength">The value's length in UTF-8 bytes (a string with its quotes, an object or array whole).</param>
/// <param name="Key">The argument it answers: <c>{ground-truth call index}.{parameter name}</c>. Responses to the same
/// prompt that give a value for the same key made the same decision, so their values can be compared.</param>
/// <param name="Correct">The value equals the ground truth call's value for that parameter (JSON equality).</param>
public sealed record ArgumentSpan(int ByteStart, int ByteLength, string Key, bool Correct);

/// <summary>
/// Locates the argument values of the calls in a response's first <c>&lt;tool_call&gt;</c> block and checks each against
/// the ground truth, for argument-level credit (<c>argument_credit</c>): the ToolRL reward already scores every
/// parameter value, and these spans say which tokens wrote each value. A generated call is matched to the first
/// ground-truth call of the same name not matched yet; values of calls with no such match get no span (the outcome
/// reward alone judges them). The block is read as a sequence of JSON objects (one per line or pretty-printed);
/// reading stops at the first malformed byte, keeping the calls completed before it. Never throws on model output.
/// </summary>
public static class ToolCallArgumentSpans
{
    private const string Open = "<tool_call>";
    private const string Close = "</tool_call>";

    /// <summary>The argument spans of <paramref name="response"/>, in order; empty when the ground truth has no call.</summary>
    /// <param name="response">The decoded response text.</param>
    /// <param name="groundTruth">The row's ground truth (<c>&lt;tool_call&gt;</c> block with one call per line).</param>
    public static IReadOnlyList<ArgumentSpan> Find(string response, string groundTruth)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(groundTruth);
        var gold = ToolCallParser.Parse(groundTruth);
        var open = response.IndexOf(Open, StringComparison.Ordinal);
        if (gold.Count == 0 || open < 0)
        {
            return [];
        }
        var blockStart = open + Open.Length;
        var close = response.IndexOf(Close, blockStart, StringComparison.Ordinal);
        var block = Encoding.UTF8.GetBytes(response[blockStart..(close < 0 ? response.Length : close)]);
        var offset = Encoding.UTF8.GetByteCount(response.AsSpan(0, blockStart));

        var used = new bool[gold.Count];
        var spans = new List<ArgumentSpan>();
        foreach (var (name, values) in ReadCalls(block))
        {
            var match = Enumerable.Range(0, gold.Count).FirstOrDefault(g => !used[g] && gold[g].Name == name, -1);
            if (match < 0)
            {
                continue;
            }
            used[match] = true;
            foreach (var (parameter, start, length) in values)
            {
                var correct = gold[match].Arguments.TryGetPropertyValue(parameter, out var expected)
                    && JsonNode.DeepEquals(JsonNode.Parse(block.AsSpan(start, length)), expected);
                spans.Add(new ArgumentSpan(offset + start, length, $"{match}.{parameter}", correct));
            }
        }
        return spans;
    }

    /// <summary>The complete call objects of a block: name and each argument value's byte range in the block.</summary>
    private static List<(string Name, List<(string Parameter, int Start, int Length)> Values)> ReadCalls(byte[] block)
    {
        var calls = new List<(string, List<(string, int, int)>)>();
        var reader = new Utf8JsonReader(block, new JsonReaderOptions { AllowMultipleValues = true });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                string? name = null;
                var values = new List<(string, int, int)>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var property = reader.GetString();
                    reader.Read();
                    if (property == "name" && reader.TokenType == JsonTokenType.String)
                    {
                        name = reader.GetString();
                    }
                    else if (property is "parameters" or "arguments" && reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadValues(ref reader, values);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                if (name is not null)
                {
                    calls.Add((name, values));
                }
            }
        }
        catch (JsonException)
        {
            // Malformed model output: the calls read before the error stand.
        }
        return calls;
    }

    private static void ReadValues(ref Utf8JsonReader reader, List<(string, int, int)> values)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var parameter = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            values.Add((parameter, start, (int)reader.BytesConsumed - start));
        }
    }
}
