using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Torch.IO;

namespace ToolRL.Tests.Data;

public sealed class SyntheticToolTaskTests
{
    private static readonly IReadOnlyList<RlRow> Rows = SyntheticToolTask.Generate(600, seed: 7);

    [Fact]
    public void SameSeedGivesIdenticalRowsAndAnotherSeedDifferentOnes()
    {
        var again = SyntheticToolTask.Generate(600, seed: 7);
        var other = SyntheticToolTask.Generate(600, seed: 8);

        Assert.Equal(Rows.Select(r => JsonLines.ToLine(r.Raw)), again.Select(r => JsonLines.ToLine(r.Raw)));
        Assert.True(Rows.Zip(other).Count(p => p.First.GroundTruth == p.Second.GroundTruth) < 60);
    }

    [Fact]
    public void AShorterRunIsAPrefixOfALongerOne()
    {
        var prefix = SyntheticToolTask.Generate(50, seed: 7);

        Assert.Equal(prefix.Select(r => JsonLines.ToLine(r.Raw)), Rows.Take(50).Select(r => JsonLines.ToLine(r.Raw)));
    }

    [Fact]
    public void RowsFollowTheRllaLayout()
    {
        foreach (var row in Rows)
        {
            Assert.Equal(["system", "user"], row.Prompt.Select(m => m.Role));
            Assert.StartsWith("You are a helpful multi-turn dialogue assistant", row.Prompt[0].Content);
            Assert.Contains("**Available Tools**\nIn your response, you can use the following tools:\n1. Name: ", row.Prompt[0].Content);
            Assert.Contains("**Output Format**", row.Prompt[0].Content);
            Assert.Matches(@"^\*\*Dialogue Records History\*\*\n<user> .+ </user>$", row.Prompt[1].Content);
            Assert.Equal(row.GroundTruth, row.Raw["reward_model"]!["ground_truth"]!.GetValue<string>());
            Assert.Equal(row.GroundTruth, row.ExtraInfo!["output"]!.GetValue<string>());
            Assert.Null(ToolRLGroundTruthRules.Validate(row.GroundTruth));
        }
    }

    [Fact]
    public void GroundTruthsUseToolRLPlaceholderThoughtsAndPythonJsonLines()
    {
        foreach (var row in Rows)
        {
            if (row.GroundTruth.Contains("<tool_call>"))
            {
                Assert.StartsWith("<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>\n<tool_call>\n", row.GroundTruth);
                foreach (var line in CallLines(row))
                {
                    var call = JsonNode.Parse(line)!.AsObject();
                    Assert.Equal(["name", "parameters"], call.Select(p => p.Key));
                    Assert.Equal(line, PythonJson.Dumps(call, ensureAscii: true));
                    Assert.Contains(", \"parameters\": {", line);
                }
            }
            else
            {
                Assert.Matches(@"^<think> I should directly respond to the user's need\. </think>\n<response> .+ </response>$", row.GroundTruth);
            }
        }
    }

    [Fact]
    public void EveryArgumentIsCopiedFromTheRequestOrImpliedByIt()
    {
        foreach (var row in Rows.Where(r => r.GroundTruth.Contains("<tool_call>")))
        {
            var request = row.Prompt[1].Content;
            foreach (var line in CallLines(row))
            {
                var call = JsonNode.Parse(line)!.AsObject();
                Assert.Contains($"Name: {call["name"]!.GetValue<string>()}\n", row.Prompt[0].Content);
                foreach (var (name, value) in call["parameters"]!.AsObject())
                {
                    switch (value!.GetValueKind())
                    {
                        case JsonValueKind.String:
                        case JsonValueKind.Number:
                            Assert.Contains(value.ToString(), request);
                            break;
                        case JsonValueKind.Array:
                            Assert.All(value.AsArray(), item => Assert.Contains(item!.GetValue<string>(), request));
                            break;
                        case JsonValueKind.True or JsonValueKind.False:
                            Assert.Equal("formal", name);
                            Assert.Equal(value.GetValue<bool>(), !request.Contains("casually"));
                            break;
                    }
                }
            }
        }
    }

    [Fact]
    public void EveryPromptListsADistractorAndTheTaskMixMatchesTheOptions()
    {
        var kinds = Rows.GroupBy(SyntheticToolTask.KindOf).ToDictionary(g => g.Key, g => g.Count());
        foreach (var row in Rows.Where(r => r.GroundTruth.Contains("<tool_call>")))
        {
            var listed = row.Prompt[0].Content.Split("\n").Count(l => l.Contains(". Name: "));
            Assert.True(listed > CallLines(row).Length, $"row {row.Index} lists {listed} tools for {CallLines(row).Length} calls");
        }

        Assert.InRange(kinds[SyntheticTaskKind.MultiCall], 110, 190);       // 25 %
        Assert.InRange(kinds[SyntheticTaskKind.ResponseOnly], 60, 120);     // 15 %
        Assert.InRange(kinds[SyntheticTaskKind.Unsupported], 10, 55);       // 5 %
        Assert.True(Rows.Select(r => CallLines(r).FirstOrDefault()).Where(l => l is not null)
            .Select(l => JsonNode.Parse(l!)!["name"]!.GetValue<string>()).Distinct().Count() >= 12);
    }

    [Fact]
    public void SplitKeepsTestRequestsOutOfTheTrainSet()
    {
        var (train, test) = SyntheticToolTask.GenerateSplit(400, 60, seed: 3, SyntheticTaskOptions.Tiny);
        var trainRequests = train.Select(r => r.Prompt[1].Content).ToHashSet();

        Assert.Equal(400, train.Count);
        Assert.Equal(60, test.Count);
        Assert.DoesNotContain(test, r => trainRequests.Contains(r.Prompt[1].Content));
        Assert.All(test, r => Assert.Equal("test", r.ExtraInfo!["split"]!.GetValue<string>()));
        Assert.Equal(Enumerable.Range(0, 60), test.Select(r => r.Index));
    }

    [Fact]
    public void TinyPromptsAreShorterThanHardOnes()
    {
        static double MeanChars(SyntheticTaskOptions o) => SyntheticToolTask.Generate(200, 1, o).Average(r => r.Prompt.Sum(m => m.Content.Length));

        var tiny = MeanChars(SyntheticTaskOptions.Tiny);
        var hard = MeanChars(SyntheticTaskOptions.Hard);

        Assert.InRange(tiny, 800, 1400);
        Assert.True(hard > tiny * 1.8, $"hard {hard} vs tiny {tiny}");
        Assert.Contains("**Steps for Each Turn**", SyntheticToolTask.Generate(1, 1, SyntheticTaskOptions.Hard)[0].Prompt[0].Content);
    }

    [Fact]
    public void MinimalInstructionsListEachToolOnOneLineAndKeepTheRequestsAndAnswers()
    {
        var compact = SyntheticToolTask.Generate(200, 5, SyntheticTaskOptions.Tiny);
        var minimal = SyntheticToolTask.Generate(200, 5, SyntheticTaskOptions.Tiny with { Instructions = SyntheticInstructions.Minimal });

        var system = minimal.First(r => r.GroundTruth.Contains("\"name\": \"convert_currency\"")).Prompt[0].Content;
        Assert.Contains("convert_currency(amount: float, from_currency: string, to_currency: string): Convert money between currencies.\n", system);
        Assert.DoesNotContain("**Available Tools**", system);
        // Only the system text changes: same requests, same ground truths, about a third of the prompt length.
        Assert.Equal(compact.Select(r => (r.Prompt[1].Content, r.GroundTruth)), minimal.Select(r => (r.Prompt[1].Content, r.GroundTruth)));
        var ratio = minimal.Average(r => r.Prompt[0].Content.Length) / compact.Average(r => r.Prompt[0].Content.Length);
        Assert.InRange(ratio, 0.2, 0.4);
        Assert.All(minimal, r => Assert.Equal(r.Prompt[0].Content.Split('\n').Length - 2, r.Prompt[0].Content.Split('\n').Count(l => l.Contains("): "))));
    }

    [Fact]
    public void JsonlRoundTripsThroughTheLoader()
    {
        var path = Path.Combine(Path.GetTempPath(), $"toolrl-synth-{Guid.NewGuid():N}.jsonl");
        try
        {
            JsonLines.Write(path, Rows.Take(40).Select(r => r.Raw));
            var loaded = RlDataset.Load(path, new DatasetLoadOptions { InvalidRows = InvalidRowPolicy.Fail, GroundTruthValidator = ToolRLGroundTruthRules.Validate });

            Assert.Equal(40, loaded.Count);
            Assert.Equal(Rows.Take(40).Select(r => r.GroundTruth), loaded.Rows.Select(r => r.GroundTruth));
            Assert.Equal(Rows.Take(40).Select(r => r.Prompt), loaded.Rows.Select(r => r.Prompt), new PromptComparer());
            Assert.Contains("\"<think> I should", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void InvalidOptionsAreRefusedWithTheReason()
    {
        var e = Assert.Throws<ArgumentException>(() => SyntheticToolTask.Generate(1, 1, SyntheticTaskOptions.Default with { CatalogueSize = 5 }));
        Assert.Contains("CatalogueSize 5", e.Message);
    }

    private static string[] CallLines(RlRow row) =>
        row.GroundTruth.Contains("<tool_call>")
            ? row.GroundTruth.Split("<tool_call>\n")[1].Split("\n</tool_call>")[0].Split('\n')
            : [];

    private sealed class PromptComparer : IEqualityComparer<IReadOnlyList<ToolRL.Tokenization.ChatMessage>>
    {
        public bool Equals(IReadOnlyList<ToolRL.Tokenization.ChatMessage>? x, IReadOnlyList<ToolRL.Tokenization.ChatMessage>? y) => x!.SequenceEqual(y!);

        public int GetHashCode(IReadOnlyList<ToolRL.Tokenization.ChatMessage> obj) => obj.Count;
    }
}
