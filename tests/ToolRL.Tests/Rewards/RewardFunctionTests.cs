using System.Text.Json.Nodes;
using ToolRL.Rewards;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Rewards;

public class RewardFunctionTests
{
    private const string ToolGroundTruth =
        "<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>\n" +
        "<tool_call>\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}\n</tool_call>";

    private const string PerfectAnswer =
        "<think> weather question </think>\n<tool_call>\n{\"name\": \"get_weather\", \"parameters\": {\"unit\": \"C\", \"city\": \"Paris\"}}\n</tool_call>";

    private static RewardSample Sample(string completion, string? groundTruth = ToolGroundTruth, int step = 0) => new()
    {
        Prompt = [new ChatMessage("user", "What's the weather in Paris?")],
        Completion = completion,
        GroundTruth = groundTruth,
        Step = step,
    };

    /// <summary>The example of IRewardFunction's XML docs, executed.</summary>
    private sealed class SingleCallReward : IRewardFunction
    {
        public string Name => "single_call";

        public RewardOutput Score(IReadOnlyList<RewardSample> batch) =>
            batch.Select(sample => sample.Extra?["single_call"] is null
                    ? (double?)null
                    : sample.ToolCalls.Count <= 1 ? 1.0 : 0.0)
                 .ToArray();
    }

    [Fact]
    public void ToolRLFunctionScoresCompletionsWithComponentsAndSkipsRowsWithoutGroundTruth()
    {
        var function = new ToolRLRewardFunction();
        var output = function.Score([Sample(PerfectAnswer + "<|im_end|>"), Sample("no format"), Sample("x", groundTruth: null)]);

        Assert.Equal("toolrl", function.Name);
        Assert.Equal([4.0, -3.0, null], output.Values);
        Assert.Equal([1.0, 0.0, null], output.Components["format"]);
        Assert.Equal([3.0, -3.0, null], output.Components["correctness"]);
        Assert.Equal([0.0, 0.0, null], output.Components["length"]);
    }

    [Fact]
    public void CompletionIsCutAtTheLastAssistantHeaderAsTheReferenceCutsTheDecodedSequence()
    {
        var completion = "junk<|im_start|>assistant\n" + PerfectAnswer + "<|im_end|><|endoftext|>";
        var output = new ToolRLRewardFunction().Score([Sample(completion)]);
        Assert.Equal(4.0, output[0]);
        Assert.Equal(PerfectAnswer, ChatResponse.FromCompletion(completion, ChatFormat.Qwen));
    }

    [Fact]
    public void WeightedRewardSumsApplicableValuesAndReportsEachFunction()
    {
        var reward = new WeightedReward([new(new ToolRLRewardFunction(), 1.0), new(new SingleCallReward(), 0.5)]);
        var batch = new[]
        {
            Sample(PerfectAnswer) with { Extra = new JsonObject { ["single_call"] = true } },
            Sample(PerfectAnswer),
            Sample("x", groundTruth: null),
        };

        var output = reward.Score(batch);

        Assert.Equal([4.5, 4.0, null], output.Values);
        Assert.Equal([1.0, null, null], output.Components["single_call"]);
        Assert.Equal([1.0, 1.0, null], output.Components["toolrl/format"]);
    }

    [Fact]
    public void MetricsUseTrlNamesAndSkipNotApplicable()
    {
        var output = new RewardOutput([1.0, 3.0, null], new Dictionary<string, IReadOnlyList<double?>> { ["part"] = [2.0, null, null] });
        var metrics = RewardMetrics.Summarize("toolrl", output);

        Assert.Equal(2.0, metrics["rewards/toolrl/mean"]);
        Assert.Equal(Math.Sqrt(2.0), metrics["rewards/toolrl/std"], 12);
        Assert.Equal(2.0, metrics["rewards/toolrl/part/mean"]);
        Assert.Equal(0.0, metrics["rewards/toolrl/part/std"]);
        Assert.True(double.IsNaN(RewardMetrics.MeanStd([null, null]).Mean));
    }

    [Fact]
    public void RegistryBuildsToolRLWithOptionsAndWeightedListsFromJson()
    {
        var registry = RewardRegistry.CreateWithBuiltIns();
        registry.Register("single_call", _ => new SingleCallReward());

        var single = Assert.IsType<ToolRLRewardFunction>(registry.Create(JsonNode.Parse("""{"name": "toolrl", "options": {"CORRECTMAX1": 1}}""")!));
        Assert.True(single.Options.CorrectMax1);
        Assert.IsType<ToolRLRewardFunction>(registry.Create(JsonNode.Parse("\"toolrl\"")!));

        var weighted = Assert.IsType<WeightedReward>(registry.Create(JsonNode.Parse("""[{"name": "toolrl"}, {"name": "single_call", "weight": 0.5}]""")!));
        Assert.Equal([1.0, 0.5], weighted.Functions.Select(f => f.Weight));
    }

    [Fact]
    public void RegistryErrorsNameTheProblemAndTheFix()
    {
        var registry = RewardRegistry.CreateWithBuiltIns();
        var unknown = Assert.Throws<ArgumentException>(() => registry.Create("nope"));
        Assert.StartsWith("unknown reward function 'nope'. Registered: bfcl_ast, env_component, toolrl.", unknown.Message);

        var duplicate = Assert.Throws<ArgumentException>(() => registry.Register("toolrl", _ => new SingleCallReward()));
        Assert.StartsWith("reward function 'toolrl' is already registered", duplicate.Message);

        var badKey = Assert.Throws<ArgumentException>(() => registry.Create(JsonNode.Parse("""[{"name": "toolrl", "wieght": 2}]""")!));
        Assert.Equal("reward[0] has unknown key 'wieght'; allowed keys are name, weight, options.", badKey.Message);

        var badOption = Assert.Throws<ArgumentException>(() => registry.Create(JsonNode.Parse("""{"name": "toolrl", "options": {"CORRECTMAX1": 2}}""")!));
        Assert.Equal("reward option 'CORRECTMAX1' has value 2; use 0 or 1 (or false/true), e.g. \"CORRECTMAX1\": 1.", badOption.Message);
    }

    [Fact]
    public void LenientToolCallParserReadsEveryBlockAndSkipsGarbage()
    {
        var calls = ToolCallParser.Parse(
            "<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n{broken\n{\"name\": \"b\"}\n</tool_call> text " +
            "<tool_call>{\n  \"name\": \"c\",\n  \"parameters\": {\"y\": \"z\"}\n}</tool_call>");

        Assert.Equal(["a", "b", "c"], calls.Select(c => c.Name));
        Assert.Equal(1, (int)calls[0].Arguments["x"]!);
        Assert.Empty(calls[1].Arguments);
        Assert.Equal("z", (string)calls[2].Arguments["y"]!);
        Assert.Empty(ToolCallParser.Parse("<tool_call>\n" + new string('[', 100_000) + "\n</tool_call>"));
    }
}
