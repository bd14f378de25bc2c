using System.Text.Json.Nodes;
using ToolRL.Models;
using ToolRL.Tokenization;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

public class ScoreCommandTests
{
    [Fact]
    public void Score_lines_match_the_python_reference_and_report_bad_ids_with_their_line()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(TinyDir);
        var tokenizer = Qwen2Tokenizer.FromDirectory(TinyDir);
        // score_ids_1_2_3_4 = `/usr/bin/python3 tools/model/qwen2_eager.py logprobs tiny-random-qwen2 "[1,2,3,4]"` (float64).
        var line = SequenceScorer.ScoreJsonLine(model, tokenizer.EncodeToIds, """{"ids": [1, 2, 3, 4], "keep": "me"}""", "in.jsonl:1");
        var row = JsonNode.Parse(line)!.AsObject();
        AssertClose(Vector(TinyReference().GetProperty("score_ids_1_2_3_4")),
            row["logprobs"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray(), what: "score");
        Assert.Equal("me", row["keep"]!.GetValue<string>());

        var text = JsonNode.Parse(SequenceScorer.ScoreJsonLine(model, tokenizer.EncodeToIds, """{"text": "Hello world"}""", "in.jsonl:2"))!.AsObject();
        Assert.Equal([9707, 1879], text["ids"]!.AsArray().Select(x => x!.GetValue<int>()));
        Assert.Single(text["logprobs"]!.AsArray());

        var bad = Assert.Throws<FormatException>(() => SequenceScorer.ScoreJsonLine(model, tokenizer.EncodeToIds, """{"ids": [1, 151936]}""", "in.jsonl:3"));
        Assert.Contains("in.jsonl:3", bad.Message);
        Assert.Contains("151936", bad.Message);
        Assert.Throws<FormatException>(() => SequenceScorer.ScoreJsonLine(model, tokenizer.EncodeToIds, """{"other": 1}""", "in.jsonl:4"));
    }
}
