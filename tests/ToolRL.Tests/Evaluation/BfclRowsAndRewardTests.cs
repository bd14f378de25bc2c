using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Evaluation.Bfcl;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Torch.IO;

namespace ToolRL.Tests.Evaluation;

/// <summary>BFCL entries as RL rows, and the bfcl_ast reward that checks completions against them.</summary>
public sealed class BfclRowsAndRewardTests : IDisposable
{
    private readonly TempDirectory _data = BfclTestData.Write(MiniBfcl.Files());
    private readonly TempDirectory _work = new("bfcl-rows");

    public void Dispose()
    {
        _data.Dispose();
        _work.Dispose();
    }

    private IReadOnlyList<BfclEntry> Entries => BfclDataset.Load(_data.Path).Entries;

    [Fact]
    public void Rows_load_as_RL_data_and_render_the_handlers_prompt_through_the_chat_template()
    {
        var path = Path.Combine(_work.Path, "bfcl.jsonl");
        Directory.CreateDirectory(_work.Path);
        JsonLines.Write(path, Entries.Select(BfclRows.ToRow));
        var dataset = RlDataset.Load(path, new DatasetLoadOptions { GroundTruthValidator = ToolRLGroundTruthRules.Validate });   // ToolRL-format answers
        Assert.Equal(Entries.Count, dataset.Rows.Count);
        for (var i = 0; i < Entries.Count; i++)
        {
            Assert.Equal(ToolRLBfclHandler.FormatPrompt(Entries[i]), Qwen25ChatTemplate.Render(dataset.Rows[i].Prompt, addGenerationPrompt: true));
        }
        var simple0 = dataset.Rows.Single(r => (string)r.ExtraInfo!["bfcl"]!["id"]! == "simple_0");
        Assert.Equal("<think> I should use the appropriate tool with proper parameters to respond to the user's need. </think>\n<tool_call>\n"
            + "{\"name\": \"calc_area\", \"parameters\": {\"base\": 10, \"height\": 5, \"unit\": \"units\"}}\n</tool_call>", simple0.GroundTruth);
    }

    [Fact]
    public void The_reward_is_one_for_answers_BFCL_accepts_zero_otherwise_and_null_without_a_case()
    {
        var rows = Entries.Select(BfclRows.ToRow).ToList();
        var reward = RewardRegistry.Default.Create("bfcl_ast");
        var samples = MiniBfcl.Responses.Select(r =>
        {
            var row = rows.Single(x => (string)x["extra_info"]!["bfcl"]!["id"]! == r.Id);
            return new RewardSample { Prompt = [], Completion = r.Response + "<|im_end|>", Extra = row["extra_info"]!.AsObject() };
        }).Append(new RewardSample { Prompt = [], Completion = "<tool_call>\n{\"name\": \"x\", \"parameters\": {}}\n</tool_call>", Extra = new JsonObject { ["other"] = 1 } })
        .ToList();

        var output = reward.Score(samples);

        Assert.Equal([.. MiniBfcl.Responses.Select(r => (double?)(r.Valid ? 1.0 : 0.0)), null], output.Values);
    }

    [Fact]
    public void First_allowed_values_make_nested_answers_concrete()
    {
        var dir = BfclTestData.Write(new()
        {
            ["BFCL_v3_simple.json"] = """{"id": "simple_0", "question": [[{"role": "user", "content": "q"}]], "function": [{"name": "f", "description": "", "parameters": {"type": "dict", "properties": {"o": {"type": "dict"}, "p": {"type": "array", "items": {"type": "dict"}}, "t": {"type": "array", "items": {"type": "string"}}, "skip": {"type": "string"}}, "required": []}}]}""",
            ["possible_answer/BFCL_v3_simple.json"] = """{"id": "simple_0", "ground_truth": [{"f": {"o": [{"k": ["", "v"], "m": [""]}], "p": [[{"x": [1.5, 2]}]], "t": ["", ["a", "b"]], "skip": [""]}}]}""",
        });
        using var _ = dir;
        var entry = BfclDataset.Load(dir.Path).Entries.Single();
        var answer = (string)BfclRows.ToRow(entry)["reward_model"]!["ground_truth"]!;
        Assert.Contains("{\"name\": \"f\", \"parameters\": {\"o\": {\"k\": \"v\"}, \"p\": [{\"x\": 1.5}], \"t\": [\"a\", \"b\"]}}", answer);
        var completion = answer + "<|im_end|>";
        var extra = BfclRows.ToRow(entry)["extra_info"]!.AsObject();
        Assert.Equal([1.0], new BfclAstReward().Score([new RewardSample { Prompt = [], Completion = completion, Extra = extra }]).Values);
    }

    [Fact]
    public void The_rows_command_writes_one_row_per_entry()
    {
        var output = Path.Combine(_work.Path, "rows", "val.jsonl");
        var stderr = new StringWriter();
        var old = Console.Error;
        Console.SetError(stderr);
        int code;
        try
        {
            code = Cli.Program.Run(["eval", "bfcl-rows", "--data", _data.Path, "--categories", "simple,irrelevance", "--limit", "1", "--output", output]);
        }
        finally
        {
            Console.SetError(old);
        }
        Assert.True(code == 0, stderr.ToString());
        var lines = File.ReadAllLines(output);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"id\":\"irrelevance_0\"", lines[1]);
        Assert.Contains("<response> " + BfclRows.NoToolAnswer + " </response>", JsonNode.Parse(lines[1])!["reward_model"]!["ground_truth"]!.GetValue<string>());
    }
}
