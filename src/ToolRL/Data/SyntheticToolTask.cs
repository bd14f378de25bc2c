using System.Text.Json.Nodes;
using ToolRL.Data.Synthetic;
using ToolRL.Tokenization;

namespace ToolRL.Data;

/// <summary>The kind of answer a synthetic row expects.</summary>
public enum SyntheticTaskKind
{
    /// <summary>One tool call.</summary>
    SingleCall,

    /// <summary>Two or more calls of different tools, in the order the request names them.</summary>
    MultiCall,

    /// <summary>A response only: small talk, or a clarifying question for a vague request.</summary>
    ResponseOnly,

    /// <summary>A response only: a polite refusal, because no listed tool can serve the request.</summary>
    Unsupported,
}

/// <summary>
/// The demo data: rlla-format tool-calling rows generated from a seed, so training runs without downloads.
/// Row <c>i</c> depends only on (seed, i, options), so a prefix of a larger set equals a smaller set.
/// </summary>
public static class SyntheticToolTask
{
    /// <summary>Generates <paramref name="count"/> rows (split "train").</summary>
    public static IReadOnlyList<RlRow> Generate(int count, int seed, SyntheticTaskOptions? options = null) =>
        Generate(count, seed, options, "train", streamOffset: 0);

    /// <summary>
    /// A train set and a disjoint test set: test rows come from other random streams, and any test row whose
    /// request also occurs in the train set is replaced, so the test measures generalisation to new requests.
    /// The test set does not depend on <see cref="SyntheticTaskOptions.TrainValues"/>: it is drawn against the
    /// typical train rows, and a wide train row that happens to repeat a test request is replaced instead.
    /// </summary>
    public static (IReadOnlyList<RlRow> Train, IReadOnlyList<RlRow> Test) GenerateSplit(
        int trainCount, int testCount, int seed, SyntheticTaskOptions? options = null)
    {
        options ??= SyntheticTaskOptions.Default;
        var typical = options with { TrainValues = SyntheticValueRange.Typical };
        var typicalTrain = Generate(trainCount, seed, typical, "train", streamOffset: 0);
        var seen = typicalTrain.Select(r => r.Prompt[^1].Content).ToHashSet(StringComparer.Ordinal);
        var test = new List<RlRow>(testCount);
        const long TestStreams = 1L << 32;
        for (long stream = TestStreams; test.Count < testCount; stream++)
        {
            if (stream - TestStreams > 100L * (testCount + 10))
            {
                throw new ArgumentException($"cannot find {testCount} test requests absent from {trainCount} train rows; the options allow too few distinct requests");
            }
            var row = MakeRow(test.Count, seed, stream, typical, "test");
            if (seen.Add(row.Prompt[^1].Content))
            {
                test.Add(row);
            }
        }
        if (options.TrainValues == SyntheticValueRange.Typical)
        {
            return (typicalTrain, test);
        }
        var train = Generate(trainCount, seed, options, "train", streamOffset: 0).ToArray();
        var testRequests = test.Select(r => r.Prompt[^1].Content).ToHashSet(StringComparer.Ordinal);
        const long ReplacementStreams = 3L << 32;
        var replacement = ReplacementStreams;
        for (var i = 0; i < train.Length; i++)
        {
            while (testRequests.Contains(train[i].Prompt[^1].Content))
            {
                train[i] = MakeRow(i, seed, replacement++, options, "train");
            }
        }
        return (train, test);
    }

    /// <summary>
    /// Texts to train a tokenizer on: every row's system prompt, user turn and ground truth (the ground truths are
    /// the assistant answers a policy must produce).
    /// </summary>
    public static IEnumerable<string> CorpusTexts(IEnumerable<RlRow> rows)
    {
        foreach (var row in rows)
        {
            foreach (var message in row.Prompt)
            {
                yield return message.Content;
            }
            yield return row.GroundTruth;
        }
    }

    /// <summary>What kind of task <paramref name="row"/> is (read from its <c>extra_info.task</c>).</summary>
    public static SyntheticTaskKind KindOf(RlRow row) =>
        Enum.Parse<SyntheticTaskKind>(row.ExtraInfo?["task"]?.GetValue<string>() ?? throw new ArgumentException($"row {row.Index} is not a synthetic row"));

    private static IReadOnlyList<RlRow> Generate(int count, int seed, SyntheticTaskOptions? options, string split, long streamOffset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        options ??= SyntheticTaskOptions.Default;
        options.Validate();
        var rows = new RlRow[count];
        for (var i = 0; i < count; i++)
        {
            rows[i] = MakeRow(i, seed, streamOffset + i, options, split);
        }
        return rows;
    }

    private static RlRow MakeRow(int index, int seed, long stream, SyntheticTaskOptions options, string split)
    {
        var random = new SeededRandom(seed, stream);
        var catalogue = ToolCatalogue.All.Take(options.CatalogueSize).ToList();
        var draw = random.NextDouble();
        var kind = draw < options.ResponseOnlyFraction ? SyntheticTaskKind.ResponseOnly
            : draw < options.ResponseOnlyFraction + options.UnsupportedFraction ? SyntheticTaskKind.Unsupported
            : draw < options.ResponseOnlyFraction + options.UnsupportedFraction + options.MultiCallFraction ? SyntheticTaskKind.MultiCall
            : SyntheticTaskKind.SingleCall;
        random.Shuffle(catalogue);
        var callCount = kind switch
        {
            SyntheticTaskKind.SingleCall => 1,
            SyntheticTaskKind.MultiCall => random.NextInclusive(2, options.MaxCallsPerTask),
            _ => 0,
        };
        // The catalogue is shuffled: its first tools are the targets, the next ones distractors.
        var listed = catalogue.Take(Math.Max(options.ToolsPerPrompt, callCount + 1)).ToList();
        var targets = listed.Take(callCount).ToList();
        string request;
        string answer;
        if (kind is SyntheticTaskKind.SingleCall or SyntheticTaskKind.MultiCall)
        {
            var requests = new List<string>();
            var calls = new List<JsonObject>();
            foreach (var tool in targets)
            {
                var (text, call) = MakeRequest(tool, new ValueDraw(random, split == "train" && options.TrainValues == SyntheticValueRange.Wide), options);
                requests.Add(text);
                calls.Add(call);
            }
            request = string.Join(" ", requests);
            answer = PromptText.CallAnswer(calls);
        }
        else if (kind == SyntheticTaskKind.Unsupported)
        {
            request = random.Pick(ToolCatalogue.Unsupported);
            answer = PromptText.ResponseAnswer(ToolCatalogue.UnsupportedAnswer);
        }
        else if (random.Next(2) == 0)
        {
            var (requests, reply) = random.Pick(ToolCatalogue.SmallTalk);
            request = random.Pick(requests);
            answer = PromptText.ResponseAnswer(reply);
        }
        else
        {
            var tool = listed[random.Next(listed.Count)];
            request = tool.Vague;
            answer = PromptText.ResponseAnswer(tool.Clarification);
        }
        random.Shuffle(listed);
        return BuildRow(index, PromptText.System(listed, options.Instructions), PromptText.User(request), answer, kind, split, options.DataSource);
    }

    private static (string Text, JsonObject Call) MakeRequest(ToolSpec tool, ValueDraw random, SyntheticTaskOptions options)
    {
        var template = tool.Requests[random.NextInclusive(0, Math.Min(options.PhrasingsPerTool, tool.Requests.Count) - 1)];
        var values = tool.Sample(random);
        var text = template.Text;
        var parameters = new JsonObject();
        foreach (var parameter in tool.Parameters)
        {
            if (values.TryGetValue(parameter.Name, out var slot))
            {
                text = text.Replace("{" + parameter.Name + "}", slot.Text, StringComparison.Ordinal);
                parameters[parameter.Name] = slot.Value.DeepClone();
            }
            else
            {
                parameters[parameter.Name] = template.Fixed![parameter.Name].DeepClone();
            }
        }
        return (text, new JsonObject { ["name"] = tool.Name, ["parameters"] = parameters });
    }

    private static RlRow BuildRow(int index, string system, string user, string answer, SyntheticTaskKind kind, string split, string dataSource)
    {
        var extra = new JsonObject
        {
            ["index"] = index,
            ["input"] = user,
            ["instruction"] = system,
            ["output"] = answer,
            ["split"] = split,
            ["task"] = kind.ToString(),
        };
        var raw = new JsonObject
        {
            ["data_source"] = dataSource,
            ["prompt"] = new JsonArray(
                new JsonObject { ["content"] = system, ["role"] = ChatRoles.System },
                new JsonObject { ["content"] = user, ["role"] = ChatRoles.User }),
            ["ability"] = "tool_use",
            ["reward_model"] = new JsonObject { ["ground_truth"] = answer, ["style"] = "rule" },
            ["extra_info"] = extra,
        };
        ChatMessage[] prompt = [new(ChatRoles.System, system), new(ChatRoles.User, user)];
        return new RlRow(prompt, answer, dataSource, extra, raw, index);
    }
}
