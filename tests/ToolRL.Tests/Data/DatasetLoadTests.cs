using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Testing;
using ToolRL.Tokenization;
using ToolRL.Torch.IO;

namespace ToolRL.Tests.Data;

public sealed class DatasetLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-data-").FullName;

    /// <summary>The ToolRL reward's ground-truth rules, as the training pipeline loads data.</summary>
    private static readonly DatasetLoadOptions ToolRLRules = new() { GroundTruthValidator = ToolRLGroundTruthRules.Validate };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ReferenceFact]
    public void RllaParquetAndJsonlLoadToTheSameRows()
    {
        var fromParquet = RlDataset.Load(TestPaths.Reference("data", "rlla", "test.parquet"), ToolRLRules);
        var fromJsonl = RlDataset.Load(TestPaths.Reference("data", "rlla", "test.jsonl"), ToolRLRules);

        Assert.Equal(80, fromParquet.Count);
        Assert.Empty(fromParquet.Problems);
        Assert.Equal(fromJsonl.Rows.Select(r => r.GroundTruth), fromParquet.Rows.Select(r => r.GroundTruth));
        Assert.Equal(fromJsonl.Rows.SelectMany(r => r.Prompt), fromParquet.Rows.SelectMany(r => r.Prompt));
        Assert.All(fromParquet.Rows, r => Assert.Equal("rlla", r.DataSource));
        Assert.Equal(71, fromParquet.Rows.Count(r => r.GroundTruth.Contains("<tool_call>")));
        Assert.Equal("math", fromParquet.Rows[0].Raw["ability"]!.GetValue<string>());
        Assert.Equal("test", fromParquet.Rows[5].ExtraInfo!["split"]!.GetValue<string>());
    }

    [ReferenceFact]
    public void RllaSftJsonMapsInstructionInputOutputToSystemUserAssistant()
    {
        var sft = SftDataset.Load(TestPaths.Reference("data", "rlla", "rlla_sft.json"));
        var raw = JsonNode.Parse(File.ReadAllText(TestPaths.Reference("data", "rlla", "rlla_sft.json")))!.AsArray();

        Assert.Equal(400, sft.Count);
        var first = sft.Rows[0];
        Assert.Equal(["system", "user", "assistant"], first.Messages.Select(m => m.Role));
        Assert.Equal(raw[0]!["instruction"]!.GetValue<string>(), first.Messages[0].Content);
        Assert.Equal(raw[0]!["input"]!.GetValue<string>(), first.Messages[1].Content);
        Assert.Equal(raw[0]!["output"]!.GetValue<string>(), first.Response.Content);
    }

    [ReferenceFact]
    public void RlRowsServeAsSftRowsWithTheGroundTruthAsAnswer()
    {
        var sft = SftDataset.Load(TestPaths.Reference("data", "rlla", "rlla_sft_rlformat.jsonl"));
        var rl = RlDataset.Load(TestPaths.Reference("data", "rlla", "rlla_sft_rlformat.jsonl"), ToolRLRules);

        Assert.Equal(400, sft.Count);
        Assert.Equal(rl.Rows.Select(r => r.GroundTruth), sft.Rows.Select(r => r.Response.Content));
    }

    [Fact]
    public void BadRowsAreSkippedWithIndexAndReasonOrFailTheLoad()
    {
        var good = SyntheticToolTask.Generate(3, 1).Select(r => JsonLines.ToLine(r.Raw)).ToList();
        var badRole = good[0].Replace("\"role\":\"user\"", "\"role\":\"narrator\"");
        var badGroundTruth = good[1].Replace("<tool_call>\\n{", "<tool_call>\\n{oops");
        var noPrompt = "{\"data_source\":\"rlla\",\"reward_model\":{\"ground_truth\":\"x\"}}";
        var path = Write("bad.jsonl", [good[2], badRole, badGroundTruth, noPrompt]);

        var skipped = RlDataset.Load(path, ToolRLRules);
        Assert.Single(skipped.Rows);
        Assert.Equal([1, 2, 3], skipped.Problems.Select(p => p.Index));
        Assert.Contains("prompt[1].role", skipped.Problems[0].Reason);
        Assert.Contains("narrator", skipped.Problems[0].Reason);
        Assert.Contains("line 1", skipped.Problems[1].Reason);
        Assert.Contains("field 'prompt' is null", skipped.Problems[2].Reason);

        var e = Assert.Throws<DatasetException>(() => RlDataset.Load(path, ToolRLRules with { InvalidRows = InvalidRowPolicy.Fail }));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("bad.jsonl", e.Message);

        // Without a validator the data layer checks only the row's shape: the ToolRL-unreadable ground truth stays.
        var shapeOnly = RlDataset.Load(path);
        Assert.Equal([1, 3], shapeOnly.Problems.Select(p => p.Index));
        Assert.Contains(shapeOnly.Rows, r => r.GroundTruth.Contains("{oops"));
    }

    [Fact]
    public void ACustomGroundTruthValidatorReplacesTheBuiltInOne()
    {
        var path = Write("rows.jsonl", SyntheticToolTask.Generate(20, 2).Select(r => JsonLines.ToLine(r.Raw)));
        var options = new DatasetLoadOptions { GroundTruthValidator = gt => gt.Contains("<response>") ? "no responses here" : null };

        var loaded = RlDataset.Load(path, options);

        Assert.All(loaded.Rows, r => Assert.DoesNotContain("<response>", r.GroundTruth));
        Assert.All(loaded.Problems, p => Assert.Equal("no responses here", p.Reason));
        Assert.Equal(20, loaded.Count + loaded.Problems.Count);
    }

    [Fact]
    public void OverlongPromptsAreFilteredUnderErrorAndKeptUnderLeftOrRight()
    {
        var path = Write("rows.jsonl", SyntheticToolTask.Generate(30, 3).Select(r => JsonLines.ToLine(r.Raw)));
        static int CountChars(IReadOnlyList<ChatMessage> prompt) => prompt.Sum(m => m.Content.Length);
        var all = RlDataset.Load(path);
        var limit = (int)all.Rows.Select(r => CountChars(r.Prompt)).Order().ElementAt(15);

        var filtered = RlDataset.Load(path, new DatasetLoadOptions { MaxPromptLength = limit, TokenCounter = CountChars });
        var kept = RlDataset.Load(path, new DatasetLoadOptions { MaxPromptLength = limit, TokenCounter = CountChars, Truncation = PromptTruncation.Left });

        Assert.All(filtered.Rows, r => Assert.True(CountChars(r.Prompt) <= limit));
        Assert.Equal(all.Rows.Count(r => CountChars(r.Prompt) > limit), filtered.Problems.Count);
        Assert.Contains("longer than MaxPromptLength", filtered.Problems[0].Reason);
        Assert.Equal(30, kept.Count);
        Assert.Throws<ArgumentException>(() => RlDataset.Load(path, new DatasetLoadOptions { MaxPromptLength = 5 }));
    }

    [Fact]
    public void TruncationKeepsTheEndOrTheStartLikeVerl()
    {
        int[] tokens = [1, 2, 3, 4, 5];

        Assert.Equal([3, 4, 5], PromptTruncator.Truncate(tokens, 3, PromptTruncation.Left));
        Assert.Equal([1, 2, 3], PromptTruncator.Truncate(tokens, 3, PromptTruncation.Right));
        Assert.Same(tokens, PromptTruncator.Truncate(tokens, 5, PromptTruncation.Error));
        Assert.Throws<DatasetException>(() => PromptTruncator.Truncate(tokens, 4, PromptTruncation.Error));
    }

    [Fact]
    public void UnreadableFilesGiveClearErrors()
    {
        var missing = Assert.Throws<DatasetException>(() => RlDataset.Load(Path.Combine(_dir, "nope.jsonl")));
        Assert.Contains("does not exist", missing.Message);

        var csv = Assert.Throws<DatasetException>(() => RlDataset.Load(Write("rows.csv", ["a,b"])));
        Assert.Contains("extension '.csv'", csv.Message);

        var broken = Assert.Throws<DatasetException>(() => RlDataset.Load(Write("broken.jsonl", ["{\"a\": 1}", "{not json"])));
        Assert.Contains("broken.jsonl:2", broken.Message);

        var notArray = Assert.Throws<DatasetException>(() => SftDataset.Load(Write("object.json", ["{\"a\": 1}"])));
        Assert.Contains("expected a JSON array", notArray.Message);
    }

    [Fact]
    public void SftRowsAcceptMessagesAndPromptResponseLayouts()
    {
        var path = Write("sft.jsonl",
        [
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"hello\"}]}",
            "{\"prompt\":\"2+2?\",\"response\":\"4\"}",
            "{\"prompt\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"u\"}],\"response\":\"r\"}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        ]);

        var sft = SftDataset.Load(path);

        Assert.Equal(3, sft.Count);
        Assert.Equal(new ChatMessage("assistant", "hello"), sft.Rows[0].Response);
        Assert.Equal([new ChatMessage("user", "2+2?"), new ChatMessage("assistant", "4")], sft.Rows[1].Messages);
        Assert.Equal(["system", "user", "assistant"], sft.Rows[2].Messages.Select(m => m.Role));
        Assert.Contains("ends with role 'user'", sft.Problems.Single().Reason);
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }
}
