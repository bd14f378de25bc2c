using System.Text.Json;
using ToolRL.Agents.Rollout;
using ToolRL.Testing;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Agents;

/// <summary>
/// Reference suite: the published golden multi-turn Qwen2.5 token stream (golden_multiturn.json, real Qwen2.5
/// tokenizer) replayed through the agent loop with its policy ids scripted: the prompt, the environment's inserted ids
/// and the masks must be the golden ones, for both stop variants.
/// </summary>
public class GoldenMultiTurnReferenceTests
{
    private static string Reference(params string[] parts) => TestPaths.Reference(parts);

    private static JsonElement Golden()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Reference("data", "agentic-rl", "golden_multiturn.json")));
        return doc.RootElement.Clone();
    }

    private static int[] Ids(JsonElement e) => [.. e.EnumerateArray().Select(x => x.GetInt32())];

    [ReferenceFact]
    public async Task The_loop_reproduces_the_golden_stream_stopping_at_im_end()
    {
        var golden = Golden();
        var tokenizer = Qwen2Tokenizer.FromDirectory(Reference("models", "qwen2.5-tokenizer"));
        var segments = golden.GetProperty("tito_segments_stop_at_im_end").EnumerateArray().ToArray();
        var (p, g1, o1, g2) = (Ids(segments[0].GetProperty("ids")), Ids(segments[1].GetProperty("ids")), Ids(segments[2].GetProperty("ids")), Ids(segments[3].GetProperty("ids")));
        Assert.Equal((158, 41, 40, 15), (p.Length, g1.Length, o1.Length, g2.Length));
        var rollout = new AgentRollout(tokenizer, new AgentRolloutOptions());
        var t = (await rollout.RunAsync(new WeatherFactory(), [WeatherFactory.Task], 1, (_, _) => new ScriptedTokenPolicy([[g1, g2]]), CancellationToken.None))[0];
        Assert.Equal(p, t.PromptIds);
        Assert.Equal(g1.Concat(o1).Concat(g2).ToArray(), t.ResponseIds);
        Assert.Equal(segments.Skip(1).SelectMany(s => Enumerable.Repeat(s.GetProperty("loss_mask").GetInt32() == 1, s.GetProperty("ids").GetArrayLength())).ToArray(), t.LossMask);
        var canonical = tokenizer.EncodeToIds(golden.GetProperty("canonical_render").GetString()!).ToArray();
        Assert.Equal(canonical[..^1], t.PromptIds.Concat(t.ResponseIds).ToArray());
    }

    [ReferenceFact]
    public async Task The_loop_reproduces_the_golden_stream_stopping_at_the_call_end()
    {
        var golden = Golden();
        var tokenizer = Qwen2Tokenizer.FromDirectory(Reference("models", "qwen2.5-tokenizer"));
        var variant = golden.GetProperty("variant_stop_at_tool_call_end");
        var segments = golden.GetProperty("tito_segments_stop_at_im_end").EnumerateArray().ToArray();
        var (g1, o1, g2) = (Ids(variant.GetProperty("policy_turn1_ids")), Ids(variant.GetProperty("observation_ids")), Ids(segments[3].GetProperty("ids")));
        Assert.Equal((40, 41), (g1.Length, o1.Length));
        // Stopping at </tool_call> allows one call per turn, so the golden's two calls come in two turns here: the first
        // turn is the golden's first 19 ids (ending 151658), and the inserted ids start as the golden observation does.
        var rollout = new AgentRollout(tokenizer, new AgentRolloutOptions { StopAtToolCallEnd = true });
        var t = (await rollout.RunAsync(new WeatherFactory(), [WeatherFactory.Task], 1,
            (_, _) => new ScriptedTokenPolicy([[g1[..19], g1[20..], g2]]), CancellationToken.None))[0];
        Assert.Equal(g1[..19], t.ResponseIds[..19]);
        Assert.Equal(o1[..2], t.ResponseIds[19..21]);
        Assert.False(t.LossMask[19]);
        var tools = ToolRL.Agents.Tools.ToolSchemas.ToOpenAiFunctions(WeatherEnvironment.Tools);
        var canonical = tokenizer.EncodeToIds(Qwen25ChatTemplate.Render(t.Messages, tools)).ToArray();
        Assert.Equal(canonical[..^1], t.PromptIds.Concat(t.ResponseIds).ToArray());
    }
}
