using System.Text.Json;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

public sealed class ValueModelTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "toolrl-value-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    [Fact]
    public void Critic_from_a_policy_copies_the_decoder_and_scores_each_hidden_state()
    {
        using var scope = NewScope();
        using var policy = Qwen2ForCausalLM.FromPretrained(GqaDir);
        using var critic = Qwen2ValueModel.CreateFrom(policy, seed: 2);
        var ids = FromArray(new long[] { 0, 4, 5, 6, 7, 8, 9, 10 }, 2, 4);
        var mask = FromArray(new long[] { 0, 1, 1, 1, 1, 1, 1, 1 }, 2, 4);
        var values = critic.Forward(ids, mask);
        Assert.Equal([2L, 4L], values.Shape);
        // values = score.weight · h + score.bias, with h the policy's own final hidden states.
        var p = critic.NamedParameters().ToDictionary(x => x.Name, x => x.Param);
        Assert.Equal([1L, 48L], p["score.weight"].Shape);
        Assert.Equal(0.0, p["score.bias"].ItemDouble());
        var hidden = policy.ForwardHidden(ids, mask);
        var expected = (hidden.MatMul(p["score.weight"].T()).Squeeze(-1) + p["score.bias"]).To(DType.Float64).ToArray<double>();
        AssertClose(expected, values, atol: 1e-6);
        // The copy is independent: training the critic leaves the policy alone.
        using (NoGrad())
        {
            p["model.norm.weight"].MulInPlace(2.0);
        }
        Assert.False(p["model.norm.weight"].Equal(policy.NamedParameters().First(x => x.Name == "model.norm.weight").Param));
    }

    [Fact]
    public void Saves_as_token_classification_and_reloads_exactly()
    {
        using var scope = NewScope();
        using var policy = Qwen2ForCausalLM.FromPretrained(GqaDir);
        using var critic = Qwen2ValueModel.CreateFrom(policy, seed: 2);
        critic.SavePretrained(_dir);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "config.json")));
        Assert.Equal("Qwen2ForTokenClassification", config.RootElement.GetProperty("architectures")[0].GetString());
        Assert.Equal(1, config.RootElement.GetProperty("num_labels").GetInt32());
        var names = Safetensors.ReadHeader(Path.Combine(_dir, "model.safetensors")).Entries.Select(e => e.Name).ToList();
        Assert.Contains("score.weight", names);
        Assert.Contains("score.bias", names);
        Assert.DoesNotContain("lm_head.weight", names);
        using var loaded = Qwen2ValueModel.FromPretrained(_dir);
        var ids = FromArray(new long[] { 1, 2, 3, 4, 5 }, 1, 5);
        Assert.True(critic.Forward(ids).Equal(loaded.Forward(ids)));
        // A causal-LM folder gives the decoder with a fresh head.
        using var fromPolicy = Qwen2ValueModel.FromPretrained(GqaDir, seed: 2);
        Assert.True(critic.Forward(ids).Equal(fromPolicy.Forward(ids)));
    }
}
