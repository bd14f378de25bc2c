using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ToolRL.Rewards;
using ToolRL.Testing;
using ToolRL.Tokenization;

using static ToolRL.Tests.Packaging.PrintedValues;

namespace ToolRL.Tests.Packaging;

/// <summary>
/// The file-based scripts of samples/scripts, run as the docs say (<c>dotnet run samples/scripts/NAME.cs</c> from the
/// root after packing) against the fresh packages, their output checked against values the test derives itself.
/// </summary>
[Collection(PackedCollection.Name)]
public sealed class ScriptTests(PackedSample packed)
{
    [Fact]
    public void GrpoCustomRewardTrainsWithTheWeightedSumOfToolRLAndTheScriptsOwnReward()
    {
        var run = packed.Script("grpo-custom-reward").EnsureSuccess();
        var lines = Lines(run.Output);

        // tiny-demo.json: 16 rows → 4 SFT steps of 4, then the validation before GRPO (step 0) and 3 GRPO steps.
        Assert.Equal(["sft 1/4", "sft 2/4", "sft 3/4", "sft 4/4"], lines.Where(l => l.StartsWith("sft ", StringComparison.Ordinal)).Select(Head));
        Assert.All(lines.Where(l => l.StartsWith("sft ", StringComparison.Ordinal)), l => Assert.True(double.IsFinite(Number(KeyValues(l)["sft/loss"]))));
        var grpo = lines.Where(l => l.StartsWith("grpo ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["grpo 0/3", "grpo 1/3", "grpo 2/3", "grpo 3/3"], grpo.Select(Head));
        var before = Number(KeyValues(grpo[0])["val/reward/mean"]);
        foreach (var line in grpo.Skip(1))
        {
            var values = KeyValues(line);
            var brevity = Number(values["rewards/brevity/mean"]);
            Assert.InRange(brevity, 0.0, 1.0);
            // total = 1.0 · toolrl + 0.5 · brevity; every synthetic row has a ground truth, so the means combine exactly.
            Assert.Equal(Number(values["rewards/toolrl/mean"]) + 0.5 * brevity, Number(values["critic/score/mean"]), 9);
        }

        var summary = Regex.Match(run.Output, @"held-out reward (\S+) -> (\S+); model in (\S+)");
        Assert.True(summary.Success, run.Output);
        Assert.Equal(before, Number(summary.Groups[1].Value), 12);
        var model = summary.Groups[3].Value;
        Assert.Equal(Path.Combine(packed.Root, "runs", "demo", "checkpoints"), Path.GetDirectoryName(Path.GetDirectoryName(model)));
        Assert.True(File.Exists(Path.Combine(model, "config.json")) && File.Exists(Path.Combine(model, "tokenizer.json")), model);
    }

    [Fact]
    public void ACopyWithTheRewardClassChangedRunsWithOneCommandAndTrainsOnTheNewReward()
    {
        // The done-when of issue 23: copy grpo-custom-reward.cs, change the reward class, run it with one command.
        var original = File.ReadAllText(TestPaths.InRepo("samples", "scripts", "grpo-custom-reward.cs")).ReplaceLineEndings("\n");
        var rewardClass = original.IndexOf("sealed class Brevity", StringComparison.Ordinal);
        Assert.True(rewardClass > 0, "grpo-custom-reward.cs no longer declares 'sealed class Brevity'; update this test with it");
        var copy = original[..rewardClass].Replace("new Brevity()", "new Politeness()", StringComparison.Ordinal) + """
            sealed class Politeness : IRewardFunction
            {
                public string Name => "politeness";

                public RewardOutput Score(IReadOnlyList<RewardSample> batch) =>
                    batch.Select(sample => sample.Completion.Contains("please", StringComparison.OrdinalIgnoreCase) ? 1.0 : 0.25).ToArray();
            }

            """;
        var run = packed.RunCopy("my-reward", copy).EnsureSuccess();

        var grpo = Lines(run.Output).Where(l => l.StartsWith("grpo ", StringComparison.Ordinal)).Select(KeyValues).Skip(1).ToList();
        Assert.Equal(3, grpo.Count);
        foreach (var values in grpo)
        {
            Assert.DoesNotContain("rewards/brevity/mean", values.Keys);
            var politeness = Number(values["rewards/politeness/mean"]);
            Assert.InRange(politeness, 0.25, 1.0);
            Assert.Equal(Number(values["rewards/toolrl/mean"]) + 0.5 * politeness, Number(values["critic/score/mean"]), 9);
        }
        Assert.Matches(@"held-out reward \S+ -> \S+; model in \S+", run.Output);
    }

    [Fact]
    public void GrpoCustomRewardIsAtMost25LinesOfCode()
    {
        var code = File.ReadLines(TestPaths.InRepo("samples", "scripts", "grpo-custom-reward.cs"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("//", StringComparison.Ordinal) && !l.StartsWith("#:", StringComparison.Ordinal))
            .ToList();
        Assert.True(code.Count <= 25, $"{code.Count} lines of code:\n{string.Join('\n', code)}");
    }

    [Fact]
    public void EveryScriptReferencesTheRepositoryVersion()
    {
        foreach (var name in PackedSample.ScriptNames)
        {
            var text = File.ReadAllText(TestPaths.InRepo("samples", "scripts", name + ".cs"));
            Assert.StartsWith($"#:package ToolRL@{PackedSample.RepoVersion()}\n", text.ReplaceLineEndings("\n"));
        }
    }

    [Fact]
    public void SftThenGrpoStartsGrpoFromTheFineTunedModel()
    {
        var run = packed.Script("sft-then-grpo").EnsureSuccess();
        var sft = KeyValues(Single(run.Output, "sft steps="));
        Assert.Equal("4", sft["steps"]);
        var sftModel = Path.Combine(packed.Root, "runs", "demo-sft", "sft", "model");
        Assert.Equal(sftModel, sft["model"]);
        Assert.Equal(Qwen2Tokenizer.FromDirectory(sftModel).VocabSize, Qwen2Tokenizer.FromDirectory(KeyValues(Single(run.Output, "grpo steps="))["model"]).VocabSize);

        // GRPO's validation before its first step scores the very model SFT ended with, on the same held-out rows with
        // greedy decoding: the same reward as SFT's final validation, to the last bit.
        var validations = Lines(run.Output).Where(l => l.StartsWith("validation ", StringComparison.Ordinal)).Select(KeyValues).ToList();
        Assert.Equal(["0", "3"], validations.Select(v => v["step"]));
        Assert.Equal(Number(sft["held-out"]), Number(validations[0]["reward"]));
        var grpo = KeyValues(Single(run.Output, "grpo steps="));
        Assert.Equal("3", grpo["steps"]);
        Assert.Equal(sftModel, grpo["base_model"]);
    }

    [Fact]
    public void ScoreAndGenerateScoresAsTheToolRLRewardDoes()
    {
        var run = packed.Script("score-and-generate").EnsureSuccess();
        var rows = Lines(run.Output).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["generated", "expected", "generated", "expected", "generated", "expected"], rows.Select(r => (string)r["kind"]!));

        // The test scores each printed completion itself.
        var reward = new ToolRLRewardFunction();
        var scores = reward.Score(rows.Select(r => new RewardSample
        {
            Prompt = [new ChatMessage("user", "-")],
            Completion = (string)r["completion"]!,
            GroundTruth = (string)r["ground_truth"]!,
        }).ToList());
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(scores[i], (double)rows[i]["reward"]!);
            Assert.Equal(scores.Components["format"][i], (double)rows[i]["format"]!);
            Assert.Equal(scores.Components["correctness"][i], (double)rows[i]["correctness"]!);
        }
        // The expected answers: format 1; correctness 3 for a tool call, 0 for a direct answer.
        foreach (var expected in rows.Where(r => (string)r["kind"]! == "expected"))
        {
            Assert.Equal((string)expected["ground_truth"]!, (string)expected["completion"]!);
            Assert.Equal(1.0, (double)expected["format"]!);
            Assert.Equal(((string)expected["ground_truth"]!).Contains("<tool_call>", StringComparison.Ordinal) ? 3.0 : 0.0, (double)expected["correctness"]!);
        }
    }

    [Fact]
    public void AgentWithToolTrainsInTheEnvironmentAndReportsPassHatK()
    {
        var run = packed.Script("agent-with-tool").EnsureSuccess();
        var lines = Lines(run.Output);
        Assert.Equal(["sft 1/1", "grpo 1/2", "grpo 2/2"], lines.Where(l => l.StartsWith("sft ", StringComparison.Ordinal) || l.StartsWith("grpo ", StringComparison.Ordinal)).Select(Head));
        foreach (var step in lines.Where(l => l.StartsWith("grpo ", StringComparison.Ordinal)).Select(KeyValues))
        {
            Assert.InRange(Number(step["reward"]), 0.0, 1.0);   // retail's reward is a product of binary checks
            Assert.True(Number(step["turns"]) >= 0 && Number(step["tool_calls"]) >= 0);
        }

        // The printed pass^k are the ones the run wrote to agent_eval.jsonl; pass^2 never exceeds pass^1.
        var written = File.ReadAllLines(Path.Combine(packed.Root, "runs", "agent-demo", "agent_eval.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["before", "after"], written.Select(w => (string)w["phase"]!));
        foreach (var evaluation in written)
        {
            var printed = KeyValues(Single(run.Output, (string)evaluation["phase"]! + " pass^1="));
            Assert.Equal((double)evaluation["val/agent/pass^1"]!, Number(printed["pass^1"]));
            Assert.Equal((double)evaluation["val/agent/pass^2"]!, Number(printed["pass^2"]));
            Assert.True(Number(printed["pass^2"]) <= Number(printed["pass^1"]));
        }
        Assert.Matches(@"today was called \d+ time\(s\)", run.Output);
    }

    private static List<string> Lines(string output) => output.Split('\n').Select(l => l.Trim()).ToList();

    private static string Single(string output, string prefix) =>
        Lines(output).SingleOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no '{prefix}' line in:\n{output}");

    // "sft 1/4 sft/loss=..." → "sft 1/4"
    private static string Head(string line) => string.Join(' ', line.Split(' ').Take(2));
}
