using System.Text.Json.Nodes;
using ToolRL.Cli.Commands;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Tests.Runs;

/// <summary>
/// Issue #22, fault 2 and the smaller faults: output written over its own input used to empty it (convert, reward);
/// reward repaired invalid UTF-8 where data stats refused it; generate accepted any --max-new-tokens; a huge
/// configuration was copied into every checkpoint.
/// </summary>
public sealed class SafeOutputTests : IDisposable
{
    private readonly TempDirectory _temp = new("safe-output");

    public SafeOutputTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void DataConvertOntoItsOwnInputKeepsTheRows()
    {
        var path = Path.Combine(_temp.Path, "x.jsonl");
        JsonLines.Write(path, SyntheticToolTask.Generate(5, 1, SyntheticTaskOptions.Tiny).Select(r => r.Raw));
        var before = File.ReadAllLines(path);

        var (code, output, err) = Cli.Run("data", "convert", "--input", path, "--output", path);

        Assert.True(code == 0, err);
        Assert.Contains("wrote 5 rows", output);
        Assert.Equal(before, File.ReadAllLines(path));
        Assert.Single(Directory.EnumerateFiles(_temp.Path));   // no temporary file left behind
    }

    [Fact]
    public void RewardOntoItsOwnInputScoresEveryLine()
    {
        var path = Path.Combine(_temp.Path, "cases.jsonl");
        var gt = "<think> x </think>\n<tool_call>\n{\"name\": \"f\", \"parameters\": {}}\n</tool_call>";
        File.WriteAllLines(path, [new JsonObject { ["ground_truth"] = gt, ["response"] = gt }.ToJsonString(), new JsonObject { ["ground_truth"] = gt, ["response"] = "no" }.ToJsonString()]);

        var (code, _, err) = Cli.Run("reward", "--input", path, "--output", path);

        Assert.True(code == 0, err);
        var rows = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.NotNull(r["scores"]?["total"]));
        Assert.Equal(gt, rows[0]["response"]!.GetValue<string>());
    }

    [Fact]
    public void RewardAndDataStatsRefuseInvalidUtf8NamingTheLine()
    {
        var path = Path.Combine(_temp.Path, "bad.jsonl");
        var good = "{\"ground_truth\": \"a\", \"response\": \"b\"}\n"u8.ToArray();
        File.WriteAllBytes(path, [.. good, .. "{\"ground_truth\": \"a\", \"response\": \"b"u8, 0xFF, .. "\"}\n"u8]);
        var output = Path.Combine(_temp.Path, "scored.jsonl");

        var (reward, _, rewardErr) = Cli.Run("reward", "--input", path, "--output", output);
        var (stats, _, statsErr) = Cli.Run("data", "stats", "--input", path);

        Assert.True(reward == 2, rewardErr);
        Assert.True(stats == 2, statsErr);
        Cli.AssertOneLineError(rewardErr, $"{path}:2: not valid UTF-8");
        Assert.False(File.Exists(output));
        Cli.AssertOneLineError(statsErr, $"{path}:2: not valid UTF-8");
    }

    [Fact]
    public void GenerateCapsMaxNewTokensByTheModelsContextAndSaysSo()
    {
        var folder = Path.Combine(_temp.Path, "model");
        var tokenizer = ToolRL.Tests.Training.TinyRun.Tokenizer;
        using (var model = Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1,
            NumAttentionHeads = 2, NumKeyValueHeads = 1, MaxPositionEmbeddings = 24, TieWordEmbeddings = true,
            EosTokenIds = [tokenizer.ImEndTokenId],
        }, 1))
        {
            model.SavePretrained(folder);
        }
        tokenizer.Save(folder);
        var promptTokens = tokenizer.EncodeToIds("hello").Count;

        var (code, _, err) = Cli.Run("generate", "--model", folder, "--prompt", "hello", "--max-new-tokens", "100000000", "--temperature", "1", "--seed", "1");

        Assert.True(code == 0, err);
        Assert.Contains($"--max-new-tokens 100000000 capped to {24 - promptTokens}", err);
        Assert.Matches(@"generate: \d+ tokens", err);
        var notes = new StringWriter();
        Assert.Equal(5, GenerateCommand.CapToContext(5, 10, 24, notes));
        Assert.Equal("", notes.ToString());
        Assert.Throws<ToolRL.Cli.UsageException>(() => GenerateCommand.CapToContext(5, 24, 24, notes));
    }

    [Fact]
    public void AHugeConfigurationIsNotCopiedIntoCheckpoints()
    {
        var config = TrainingConfig.Parse(Cli.TinyGrpo) with
        {
            Reward = new RewardConfig
            {
                Functions = [new RewardFunctionSpec("custom", 1.0) { Options = new JsonObject { ["table"] = new string('x', 1_000_000) } }],
            },
        };
        var small = Path.Combine(_temp.Path, "small.json");
        var huge = Path.Combine(_temp.Path, "huge.json");

        CheckpointConfig.Write(small, TrainingConfig.Parse(Cli.TinyGrpo));
        CheckpointConfig.Write(huge, config);

        Assert.Equal(TrainingConfig.Parse(Cli.TinyGrpo).ToJsonString() + "\n", File.ReadAllText(small));
        Assert.True(new FileInfo(huge).Length < 1024, $"{new FileInfo(huge).Length} bytes copied");
        var note = JsonNode.Parse(File.ReadAllText(huge))!;
        Assert.True(note["bytes"]!.GetValue<int>() > 1_000_000);
        Assert.Equal(64, note["sha256"]!.GetValue<string>().Length);
    }
}
