using ToolRL.Testing;

namespace ToolRL.Tests.Planning;

[Collection("Console")]
public class PlanCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var code = ToolRL.Cli.Program.Run(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void PlanPrintsResolvedConfigStepsAndMemory()
    {
        var folder = Path.GetDirectoryName(QwenConfigs.Path("1.5B"))!;
        var (code, output, _) = Run("plan", TestPaths.InRepo("configs", "grpo-qwen2.5-3b-toolrl.json"), "--base-model", folder, "--train-rows", "3920");
        Assert.Equal(0, code);
        Assert.Contains("\"ppo_mini_batch_size\": 128", output);
        Assert.Contains("1,543,714,304", output);
        Assert.Matches(@"total training steps\s+105", output);
        Assert.Matches(@"responses\s+2,048 \(n = 4\)", output);
        Assert.Contains("KV cache: generation", output);
        Assert.Contains("peak", output);
    }

    [Fact]
    public void PlanRefusesABadConfigWithTheFieldAndFix()
    {
        var file = Path.Combine(Path.GetTempPath(), $"toolrl-bad-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, """{"algorithm": "grpo", "batch_sise": 8, "model": {"base_model": "m"}, "data": {"train_files": "t.jsonl", "val_files": "v.jsonl"}}""");
        try
        {
            var (code, _, error) = Run("plan", file);
            Assert.Equal(2, code);
            Assert.Contains("$.batch_sise", error);
            Assert.Contains("did you mean \"batch_size\"", error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
