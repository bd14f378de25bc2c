using System.Text.Json.Nodes;
using ToolRL.Cli;
using ToolRL.Evaluation.Bfcl;
using ToolRL.Models;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Evaluation;

/// <summary><c>toolrl eval bfcl</c> end to end on a small BFCL-format set: with --responses, and with a tiny random model.</summary>
public sealed class EvalBfclCommandTests : IDisposable
{
    private readonly TempDirectory _data = BfclTestData.Write(MiniBfcl.Files());
    private readonly TempDirectory _work = new("eval-bfcl");

    public void Dispose()
    {
        _data.Dispose();
        _work.Dispose();
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var code = Program.Run(args, stdout, stderr);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    private string WriteResponses()
    {
        Directory.CreateDirectory(_work.Path);
        var path = Path.Combine(_work.Path, "responses.jsonl");
        File.WriteAllLines(path, MiniBfcl.Responses.Select(r => new JsonObject { ["id"] = r.Id, ["category"] = r.Category, ["response"] = r.Response }.ToJsonString()));
        return path;
    }

    [Fact]
    public void Responses_are_checked_and_scored_as_BFCL_computes_it()
    {
        var output = Path.Combine(_work.Path, "out");
        var (code, stdout, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--responses", WriteResponses(), "--output", output);

        Assert.True(code == 0, stderr);
        var verdicts = File.ReadAllLines(Path.Combine(output, "verdicts.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(MiniBfcl.Responses.Length, verdicts.Count);
        foreach (var expected in MiniBfcl.Responses)
        {
            var line = verdicts.Single(v => (string)v["id"]! == expected.Id);
            Assert.Equal(expected.Category, (string)line["category"]!);
            Assert.Equal(expected.Valid, (bool)line["valid"]!);
            Assert.Equal(expected.ErrorType, (string?)line["error_type"]);
        }
        Assert.Equal("""[{"add": {"a": 3, "b": 4}}, {"add": {"a": 1, "b": 2}}]""",
            verdicts.Single(v => (string)v["id"]! == "parallel_0")["decoded"]!.ToJsonString().Replace(",", ", ").Replace(":", ": "));

        var scores = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "scores.json")))!;
        Assert.Equal(0.5, (double)scores["categories"]!["simple"]!["accuracy"]!);
        Assert.Equal(2, (int)scores["categories"]!["simple"]!["entries"]!);
        Assert.Equal(0.375, (double)scores["summary"]!["non_live_ast"]!, 12);         // (0.5 + 0 + 1 + 0) / 4
        Assert.Equal(0.4, (double)scores["summary"]!["non_live_overall"]!, 12);       // (0.5 + 0 + 1 + 0 + 0.5) / 5
        Assert.Equal(0.75, (double)scores["summary"]!["irrelevance"]!, 12);           // (0.5 + 1) / 2
        Assert.Null(scores["summary"]!["live_ast"]);                                   // live_multiple etc. not evaluated
        Assert.Contains("non_live_ast", stdout);
        Assert.Contains("37.50", stdout);
    }

    [Fact]
    public void Categories_limit_the_evaluation_and_missing_responses_are_refused()
    {
        var output = Path.Combine(_work.Path, "out");
        var responses = WriteResponses();
        var (code, stdout, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--categories", "simple,parallel", "--responses", responses, "--output", output);
        Assert.NotEqual(0, code);
        Assert.Contains("not in the evaluated data", stderr);

        File.WriteAllLines(responses, File.ReadAllLines(responses).Where(l => l.Contains("\"simple\"") || l.Contains("\"parallel\"")));
        (code, stdout, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--categories", "simple", "parallel", "--responses", responses, "--output", output);
        Assert.True(code == 0, stderr);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "verdicts.jsonl")).Length);

        File.WriteAllLines(responses, File.ReadAllLines(responses).Skip(1));
        (code, _, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--categories", "simple,parallel", "--responses", responses, "--output", output);
        Assert.NotEqual(0, code);
        Assert.Contains("1 entries have no response (e.g. simple_0)", stderr);
    }

    [Fact]
    public void Bad_arguments_and_files_get_clear_errors()
    {
        var output = Path.Combine(_work.Path, "out");
        var (code, _, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--output", output);
        Assert.Equal(2, code);   // usage
        Assert.Contains("exactly one of --model DIR", stderr);

        (code, _, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--categories", "java", "--responses", WriteResponses(), "--output", output);
        Assert.Equal(2, code);   // a missing input
        Assert.Contains("BFCL_v3_java.json", stderr);

        File.AppendAllText(Path.Combine(_data.Path, "BFCL_v3_simple.json"), """{"id": "simple_2", "question": [[{"role": "user", "content": "x"}]], "function": [{"name": "f", "description": "", "parameters": {"type": "dict", "properties": {"x": {"type": "number"}}, "required": []}}]}""" + "\n");
        (code, _, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--categories", "simple", "--responses", WriteResponses(), "--output", output);
        Assert.Equal(1, code);
        Assert.Contains("BFCL_v3_simple.json:3", stderr);
        Assert.Contains("parameter 'x' has type \"number\"", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void A_tiny_random_model_generates_samples_that_are_checked_and_can_be_rechecked()
    {
        var model = TinyModel();
        var output = Path.Combine(_work.Path, "gen");
        var (code, stdout, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--model", model, "--output", output,
            "--samples", "2", "--temperature", "1.0", "--max-new-tokens", "6", "--batch-size", "4", "--seed", "5");

        Assert.True(code == 0, stderr);
        var verdicts = File.ReadAllLines(Path.Combine(output, "verdicts.jsonl"));
        Assert.Equal(9 * 2, verdicts.Length);
        Assert.All(verdicts, v => Assert.Contains("\"sample\": ", v));
        var scores = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "scores.json")))!;
        Assert.Equal(2, (int)scores["samples"]!);
        Assert.NotNull(scores["categories"]!["simple"]!["pass@k"]!["2"]);
        Assert.Contains("pass@2", stdout);

        // The generated texts are kept in the --responses format: checking them again gives the same verdicts.
        var again = Path.Combine(_work.Path, "again");
        (code, _, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--responses", Path.Combine(output, "responses.jsonl"), "--output", again);
        Assert.True(code == 0, stderr);
        Assert.Equal(verdicts, File.ReadAllLines(Path.Combine(again, "verdicts.jsonl")));
    }

    [Fact]
    public void An_adapter_is_applied_to_the_model_as_merging_it_into_the_weights_would()
    {
        // The GQA fixture with its PEFT adapter (nonzero B, so the adapter changes what is generated), and a
        // tokenizer inside the fixture's 512-row vocabulary.
        var baseDir = Path.Combine(_work.Path, "gqa");
        Directory.CreateDirectory(baseDir);
        foreach (var file in Directory.GetFiles(Models.ModelFixtures.GqaDir))
        {
            File.Copy(file, Path.Combine(baseDir, Path.GetFileName(file)));
        }
        BpeTrainer.Train(BfclDataset.Load(_data.Path).Entries.Select(ToolRLBfclHandler.FormatPrompt), 300).Save(baseDir);
        var adapter = ToolRL.Testing.TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "model", "lora", "peft-gqa3");
        var merged = Path.Combine(_work.Path, "merged");
        var (code, _, stderr) = Run("merge", "--model", baseDir, "--adapter", adapter, "--output", merged, "--dtype", "float32");
        Assert.True(code == 0, stderr);

        string[] Responses(string name, params string[] model)
        {
            var output = Path.Combine(_work.Path, name);
            var (exit, _, err) = Run([.. new[] { "eval", "bfcl", "--data", _data.Path, "--output", output, "--max-new-tokens", "8", "--dtype", "float32" }, .. model]);
            Assert.True(exit == 0, err);
            return File.ReadAllLines(Path.Combine(output, "responses.jsonl"));
        }
        var withAdapter = Responses("adapter", "--model", baseDir, "--adapter", adapter);
        Assert.Equal(Responses("merged", "--model", merged), withAdapter);
        Assert.NotEqual(Responses("base", "--model", baseDir), withAdapter);

        (code, _, stderr) = Run("eval", "bfcl", "--data", _data.Path, "--responses", Path.Combine(_work.Path, "adapter", "responses.jsonl"),
            "--adapter", adapter, "--output", Path.Combine(_work.Path, "bad"));
        Assert.Equal(2, code);
        Assert.Contains("--adapter applies to the model of --model", stderr);
    }

    private string TinyModel()
    {
        var dir = Path.Combine(_work.Path, "model");
        var data = BfclDataset.Load(_data.Path);
        var tokenizer = BpeTrainer.Train(data.Entries.Select(ToolRLBfclHandler.FormatPrompt), 300);
        tokenizer.Save(dir);
        using var model = Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2,
            NumKeyValueHeads = 1, EosTokenIds = [tokenizer.ImEndTokenId], PadTokenId = tokenizer.PadTokenId,
        }, seed: 11);
        model.SavePretrained(dir);
        return dir;
    }
}
