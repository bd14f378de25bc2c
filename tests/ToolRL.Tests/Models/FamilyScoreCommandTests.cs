using System.Diagnostics;
using System.Text.Json.Nodes;
using ToolRL.Testing;
using static ToolRL.Tests.Models.ModelFixtures;

namespace ToolRL.Tests.Models;

/// <summary>
/// Fresh random checkpoints no other test has seen (made here by tools/model/qwen2_eager.py with /usr/bin/python3,
/// Debian's python3-torch): `toolrl score` on each must give the float64 log-probs of the same script. The tie settings
/// are the opposite of the parity fixtures' (an untied Qwen3, a tied Llama 3.2-style model).
/// </summary>
public sealed class FamilyScoreCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-family-score-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    public static TheoryData<string[]> Checkpoints => new()
    {
        new[] { "--arch", "qwen3", "--hidden", "24", "--layers", "2", "--heads", "3", "--kv", "1", "--head-dim", "10", "--inter", "40",
            "--vocab", "200", "--untied", "--seed", "2027" },
        new[] { "--arch", "llama", "--hidden", "32", "--layers", "2", "--heads", "4", "--kv", "2", "--inter", "48", "--vocab", "200",
            "--rope-theta", "500000", "--llama3-scaling", "8,1,4,32", "--seed", "2028" },
    };

    [Theory]
    [MemberData(nameof(Checkpoints))]
    public void Score_of_an_unseen_random_checkpoint_matches_python(string[] shape)
    {
        var model = Path.Combine(_dir, "model");
        Python(["make", model, .. shape]);
        long[] ids = [3, 17, 199, 0, 42, 42, 5, 120, 64, 88, 1, 150, 7, 9, 33, 71, 101, 2, 60, 180, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55,
            56, 57, 58, 59, 61, 62, 63, 64];
        var idsJson = "[" + string.Join(",", ids) + "]";
        var expected = JsonNode.Parse(Python(["logprobs", model, idsJson]))!.AsArray().Select(x => x!.GetValue<double>()).ToArray();

        var input = Path.Combine(_dir, "in.jsonl");
        var output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllText(input, $"{{\"ids\": {idsJson}}}\n");
        var (code, _, err) = Runs.Cli.Run("score", "--model", model, "--input", input, "--output", output);
        Assert.True(code == 0, err);
        var row = JsonNode.Parse(File.ReadAllLines(output).Single())!;
        AssertClose(expected, row["logprobs"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray(), what: string.Join(' ', shape[..2]));
    }

    /// <summary>Runs tools/model/qwen2_eager.py with <paramref name="args"/> (also used to make other tests' random checkpoints).</summary>
    internal static string Python(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(TestPaths.InRepo("tools", "model", "qwen2_eager.py"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"/usr/bin/python3 qwen2_eager.py failed (eng/setup.sh installs python3-torch): {stderr.Result}");
        return stdout;
    }
}
