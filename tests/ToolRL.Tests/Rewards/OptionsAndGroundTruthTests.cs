using System.Text.Json.Nodes;
using ToolRL.Cli.Commands;
using ToolRL.Rewards;
using ToolRL.Testing;

namespace ToolRL.Tests.Rewards;

public class OptionsAndGroundTruthTests
{
    [Fact]
    public void EnvironmentSwitchesAreOnOnlyForExactlyOne()
    {
        var env = new Dictionary<string, string> { ["CORRECTMAX1"] = "1", ["WITHLENGTH"] = "true", ["REFINEDREWARD"] = " 1", ["EXPERIMENT_NAME"] = "grpo-llama3-8b" };
        var options = ToolRLRewardOptions.FromEnvironment(name => env.GetValueOrDefault(name));
        Assert.Equal(ToolRLRewardOptions.Default with { CorrectMax1 = true, ChatFormat = ChatFormat.Llama3 }, options);
        var error = Assert.Throws<ArgumentException>(() => ToolRLRewardOptions.FromEnvironment(n => n == "EXPERIMENT_NAME" ? "grpo-mistral" : null));
        Assert.Contains("'grpo-mistral', which contains neither 'llama' nor 'qwen'", error.Message);
    }

    [Fact]
    public void JsonSectionTakesReferenceAndCamelCaseNamesStrictly()
    {
        var options = ToolRLRewardOptions.FromJson(JsonNode.Parse("""{"CORRECTMAX1": 1, "withLength": true, "SCHEDULEREWARD": 0, "chatFormat": "llama3"}""")!.AsObject());
        Assert.Equal(ToolRLRewardOptions.Default with { CorrectMax1 = true, WithLength = true, ChatFormat = ChatFormat.Llama3 }, options);
        Assert.Equal(options, ToolRLRewardOptions.FromJson(options.ToJson()));

        var unknown = Assert.Throws<ArgumentException>(() => ToolRLRewardOptions.FromJson(JsonNode.Parse("""{"CORRECT_MAX1": 1}""")!.AsObject()));
        Assert.StartsWith("unknown reward option 'CORRECT_MAX1'. Valid keys: CORRECTMAX1, WITHLENGTH,", unknown.Message);
        var badValue = Assert.Throws<ArgumentException>(() => ToolRLRewardOptions.FromJson(JsonNode.Parse("""{"WITHLENGTH": "yes"}""")!.AsObject()));
        Assert.Equal("reward option 'WITHLENGTH' has value \"yes\"; use 0 or 1 (or false/true), e.g. \"WITHLENGTH\": 1.", badValue.Message);
    }

    [Fact]
    public void ResponseExtractionCutsTheLastAssistantTurnPerChatFormat()
    {
        var qwen = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n  <think> a </think>\u3000<|im_end|>\n<|endoftext|>";
        Assert.Equal("<think> a </think>", ChatResponse.Extract(qwen, ChatFormat.Qwen));
        var llama = "<|start_header_id|>assistant<|end_header_id|>\n\nold<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n new <|eot_id|>";
        Assert.Equal("new", ChatResponse.Extract(llama, ChatFormat.Llama3));
        Assert.Equal("no header", ChatResponse.Extract(" no header ", ChatFormat.Qwen));
        var gt = "<think> x </think>";
        Assert.Equal(1.0, ToolRLReward.ScoreConversation(qwen, gt, ToolRLRewardOptions.Default).Format);
    }

    [ReferenceFact]
    public void ValidationFindsExactlyTheSftOutputsThePythonReferenceCrashesOn()
    {
        // The 17 indices where tools/rewards/rlla_port.py raises on the raw SFT output used as a ground truth.
        int[] crashing = [10, 44, 73, 76, 95, 97, 200, 213, 252, 280, 285, 317, 348, 350, 356, 363, 380];
        var rows = JsonNode.Parse(File.ReadAllText(TestPaths.Reference("data", "rlla", "rlla_sft.json")))!.AsArray();
        var found = rows.Select((row, i) => (i, Error: ToolRLGroundTruth.Validate((string)row!["output"]!)))
            .Where(r => r.Error is not null).ToList();
        Assert.Equal(crashing, found.Select(r => r.i));
        Assert.Contains("fails json.loads (Expecting value: line 1 column 1 (char 0))", found[0].Error);
        Assert.Contains("the thought mentions <tool_call>", found[0].Error);
        var gt = (string)rows[10]!["output"]!;
        Assert.Throws<InvalidGroundTruthException>(() => ToolRLReward.Score("<think> x </think>", gt, ToolRLRewardOptions.Default));
    }

    [ReferenceFact]
    public void EveryRlTestRowGroundTruthIsValid()
    {
        var lines = File.ReadAllLines(TestPaths.Reference("data", "rlla", "test.jsonl"));
        Assert.Equal(80, lines.Length);
        Assert.All(lines, line => Assert.Null(ToolRLGroundTruth.Validate((string)JsonNode.Parse(line)!["reward_model"]!["ground_truth"]!)));
    }

    [Fact]
    public void RewardCommandScoresGoodLinesReportsBadOnesAndExitsNonZero()
    {
        var dir = Directory.CreateTempSubdirectory("toolrl-reward-");
        try
        {
            var gt = "<think> x </think>\n<tool_call>\n{\"name\": \"f\", \"parameters\": {}}\n</tool_call>";
            var good = new JsonObject { ["id"] = 7, ["ground_truth"] = gt, ["response"] = gt, ["flags"] = new JsonObject { ["CORRECTMAX1"] = 1 } };
            var input = Path.Combine(dir.FullName, "cases.jsonl");
            File.WriteAllLines(input, [good.ToJsonString(), "{not json", """{"ground_truth": "g", "response": "r", "flags": {"X": 1}}""", """{"ground_truth": "g", "response": "r", "step": 52}"""]);
            var output = Path.Combine(dir.FullName, "scored.jsonl");
            var errors = new StringWriter();

            var exit = RewardCommand.Run(new FileInfo(input), new FileInfo(output), TextWriter.Null, errors);

            Assert.Equal(1, exit);
            var scored = File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            Assert.Equal(2, scored.Count);
            Assert.Equal(7, (int)scored[0]["id"]!);
            Assert.Equal("""{"format":1,"correctness":1,"length":0,"total":2}""", scored[0]["scores"]!.ToJsonString());
            Assert.Equal("""{"format":0,"correctness":0,"length":0,"total":0}""", scored[1]["scores"]!.ToJsonString());
            Assert.Contains("cases.jsonl:2: not a JSON object", errors.ToString());
            Assert.Contains("cases.jsonl:3: unknown reward option 'X'", errors.ToString());
            Assert.Contains("2 line(s) of cases.jsonl could not be scored", errors.ToString());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
