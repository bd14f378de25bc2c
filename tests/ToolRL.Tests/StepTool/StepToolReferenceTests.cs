using System.Text.Json.Nodes;
using ToolRL.StepTool;
using ToolRL.Testing;
using ToolRL.Tests.Tokenization;

namespace ToolRL.Tests.StepTool;

/// <summary>The authors' example step-grained files (reference data): they parse, and they encode and place as StepTool's code does.</summary>
public sealed class StepToolReferenceTests
{
    [ReferenceTheory]
    [InlineData("qwen2", new[] { 3, 3, 3, 2, 3, 3, 5, 6, 3, 3 })]
    [InlineData("llama3-1", new[] { 3, 3, 2, 3, 3, 4, 3, 4, 2, 4 })]
    [InlineData("toolllama", new[] { 2, 4, 4, 4, 4, 4, 4, 4, 4, 2 })]
    public void ExampleFilesParseToTheirSteps(string model, int[] steps)
    {
        var samples = StepToolFile.Read(TestPaths.Reference("data", "steptool", model, "step_grained_for_ppo_example.csv"));
        Assert.Equal(steps, samples.Select(s => s.Steps));
        Assert.All(samples, s => Assert.All(s.Rewards, r => Assert.InRange(r, 0, 1)));
        if (model == "qwen2")
        {
            Assert.StartsWith("<|im_start|>system\n", samples[0].Prompts[0], StringComparison.Ordinal);
            Assert.All(samples, s => Assert.All(s.Responses, r => Assert.EndsWith("<|im_end|>\n", r, StringComparison.Ordinal)));
        }
    }

    [ReferenceFact]
    public void Qwen2ExampleEncodesAndPlacesAsStepToolsCode()
    {
        var samples = StepToolFile.Read(TestPaths.Reference("data", "steptool", "qwen2", "step_grained_for_ppo_example.csv"));
        var tokenizer = SharedQwenTokenizer.Instance;
        var lines = File.ReadAllLines(TestPaths.Reference("data", "steptool", "qwen2", "expected_step_rewards.jsonl"));
        Assert.Equal(samples.Count, lines.Length);
        foreach (var line in lines)
        {
            var expected = JsonNode.Parse(line)!;
            var sample = samples[expected["row"]!.GetValue<int>()];
            var sequence = StepToolEncoding.Encode(sample, text => tokenizer.EncodeToIds(text));
            Assert.Equal(expected["query_tokens"]!.GetValue<int>(), sequence.QueryLength);
            Assert.Equal(expected["sequence_tokens"]!.GetValue<int>(), sequence.Tokens.Length);
            var mask = sequence.LogProbMask();
            Assert.Equal(expected["logprob_positions"]!.GetValue<int>(), mask.Length);
            Assert.Equal(expected["trained_tokens"]!.GetValue<int>(), mask.Count(m => m));
            var placements = expected["placements"]!.AsArray();
            var ends = StepRewardPlacement.StepEnds(mask, sample.Steps);
            Assert.Equal(placements.Count, ends.Count);
            var placed = StepRewardPlacement.Place(mask, sample.Rewards, StepWeighting.Reference);
            foreach (var p in placements)
            {
                var position = p!["position"]!.GetValue<int>();
                Assert.Contains((p["step"]!.GetValue<int>(), position), ends);
                Assert.Equal(p["added"]!.GetValue<double>(), placed[position], 12);
            }

            // The trainer's trajectory keeps the same tokens, trained positions and placed rewards.
            var trajectory = StepToolEncoding.ToTrajectory(sequence, sample.Rewards, StepWeighting.Reference, 0);
            Assert.Equal(sequence.Tokens, trajectory.PromptIds.Concat(trajectory.ResponseIds).ToArray());
            Assert.Equal(mask.Count(m => m), trajectory.GeneratedTokenCount);
            Assert.Equal(placed.Sum(), trajectory.TokenRewards!.Sum() + trajectory.Reward, 4);
            Assert.Equal(0.0, trajectory.Reward);   // the reference weighting gives the final step weight 0
        }
    }
}
