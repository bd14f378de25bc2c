using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Generation;

public class SamplerTests
{
    private static readonly int[][] Prompts = [[5, 17, 300, 42, 7, 99, 1], [250, 3], [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]];

    private static string Letters(IReadOnlyList<int> ids) => string.Concat(ids.Select(id => (char)('a' + id % 26)));

    [Fact]
    public void Kv_cache_generation_equals_full_recomputation()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var results = Sampler.Generate(model, Prompts, new GenerationOptions { DoSample = false, MaxNewTokens = 10 });
        foreach (var r in results)
        {
            // Recompute every position from scratch (no cache, no padding) and check the greedy choice and its log-prob.
            var full = Prompts[r.PromptIndex].Concat(r.TokenIds).Select(x => (long)x).ToArray();
            var logits = model.Forward(FromArray(full, 1, full.Length)).Select(0, 0);                 // [T,V]
            var start = Prompts[r.PromptIndex].Length - 1;
            var predicted = logits.Narrow(0, start, r.TokenIds.Count).ArgMax(-1).ToArray<long>();
            Assert.Equal(r.TokenIds.Select(x => (long)x), predicted);
            var lp = logits.Narrow(0, start, r.TokenIds.Count).LogSoftmax(-1)
                .Gather(1, FromArray(r.TokenIds.Select(x => (long)x).ToArray(), r.TokenIds.Count, 1)).Squeeze(1);
            AssertClose(r.LogProbs.Select(x => (double)x).ToArray(), lp, atol: 1e-4, what: "generation log-probs");
        }
    }

    [Fact]
    public void A_left_padded_batch_equals_each_prompt_alone()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var options = new GenerationOptions { DoSample = false, MaxNewTokens = 8 };
        var batched = Sampler.Generate(model, Prompts, options);
        for (var p = 0; p < Prompts.Length; p++)
        {
            var alone = Sampler.Generate(model, [Prompts[p]], options)[0];
            Assert.Equal(alone.TokenIds, batched[p].TokenIds);
            AssertClose(alone.LogProbs.Select(x => (double)x).ToArray(), batched[p].LogProbs.Select(x => (double)x).ToArray(), atol: 1e-5);
        }
    }

    [Fact]
    public void Sampling_is_reproducible_from_its_seed()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var options = new GenerationOptions { Temperature = 1.0, TopP = 0.95, TopK = 100, MaxNewTokens = 16, Seed = 5 };
        var a = Sampler.Generate(model, Prompts, options, samplesPerPrompt: 2);
        var b = Sampler.Generate(model, Prompts, options, samplesPerPrompt: 2);
        var c = Sampler.Generate(model, Prompts, options with { Seed = 6 }, samplesPerPrompt: 2);
        Assert.Equal(a.Select(x => x.TokenIds), b.Select(x => x.TokenIds));
        Assert.NotEqual(a.Select(x => string.Join(",", x.TokenIds)), c.Select(x => string.Join(",", x.TokenIds)));
        // The two samples of a prompt differ (they share the prefill, not the draws).
        Assert.NotEqual(a[0].TokenIds, a[1].TokenIds);
    }

    [Fact]
    public void Samples_sharing_one_prefill_equal_separate_runs_when_greedy()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var options = new GenerationOptions { DoSample = false, MaxNewTokens = 6 };
        var shared = Sampler.Generate(model, Prompts, options, samplesPerPrompt: 3);
        var single = Sampler.Generate(model, Prompts, options);
        Assert.Equal(9, shared.Count);
        foreach (var s in shared)
        {
            Assert.Equal(single[s.PromptIndex].TokenIds, s.TokenIds);
        }
        Assert.Equal([0, 0, 0, 1, 1, 1, 2, 2, 2], shared.Select(s => s.PromptIndex));
        Assert.Equal([0, 1, 2, 0, 1, 2, 0, 1, 2], shared.Select(s => s.SampleIndex));
    }

    [Fact]
    public void Top_k_of_one_is_greedy()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var greedy = Sampler.Generate(model, Prompts, new GenerationOptions { DoSample = false, MaxNewTokens = 6 });
        var topOne = Sampler.Generate(model, Prompts, new GenerationOptions { TopK = 1, Temperature = 0.5, MaxNewTokens = 6, Seed = 1 });
        Assert.Equal(greedy.Select(x => x.TokenIds), topOne.Select(x => x.TokenIds));
    }

    [Fact]
    public void Stops_on_eos_ids_and_stop_strings_with_the_right_finish_reason()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var free = Sampler.Generate(model, [Prompts[0]], new GenerationOptions { DoSample = false, MaxNewTokens = 12 })[0].TokenIds;
        var firstAt = free.ToList().IndexOf(free[3]);   // the first occurrence of the chosen eos id ends the sequence
        var eos = Sampler.Generate(model, [Prompts[0]],
            new GenerationOptions { DoSample = false, MaxNewTokens = 12, EosTokenIds = [free[3]] }, decode: Letters)[0];
        Assert.Equal(FinishReason.Eos, eos.FinishReason);
        Assert.Equal(free.Take(firstAt + 1), eos.TokenIds);

        var text = Letters(free);
        var stop = text.Substring(4, 2);
        var cut = text.IndexOf(stop, StringComparison.Ordinal);
        var stopped = Sampler.Generate(model, [Prompts[0]],
            new GenerationOptions { DoSample = false, MaxNewTokens = 12, StopStrings = [stop] }, decode: Letters)[0];
        Assert.Equal(FinishReason.StopString, stopped.FinishReason);
        Assert.Equal(free.Take(cut + 2), stopped.TokenIds);                   // the token completing the stop string is kept
        Assert.Equal(text[..cut], stopped.Text);                               // the text ends before it
        Assert.Throws<ArgumentException>(() => Sampler.Generate(model, [Prompts[0]], new GenerationOptions { StopStrings = ["x"] }));
    }

    [Fact]
    public void Generation_log_probs_equal_scoring_at_the_sampling_temperature()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var options = new GenerationOptions { Temperature = 0.7, TopP = 0.9, MaxNewTokens = 12, Seed = 3 };
        var results = Sampler.Generate(model, Prompts, options);
        // verl layout: left-padded prompts ++ right-padded responses.
        var promptLength = Prompts.Max(p => p.Length);
        var responseLength = results.Max(r => r.TokenIds.Count);
        var width = promptLength + responseLength;
        var ids = new long[Prompts.Length * width];
        var mask = new long[Prompts.Length * width];
        for (var p = 0; p < Prompts.Length; p++)
        {
            for (var i = 0; i < Prompts[p].Length; i++)
            {
                ids[p * width + promptLength - Prompts[p].Length + i] = Prompts[p][i];
                mask[p * width + promptLength - Prompts[p].Length + i] = 1;
            }
            for (var i = 0; i < results[p].TokenIds.Count; i++)
            {
                ids[p * width + promptLength + i] = results[p].TokenIds[i];
                mask[p * width + promptLength + i] = 1;
            }
        }
        var (lp, _) = LogProbs.Compute(model, FromArray(ids, Prompts.Length, width), FromArray(mask, Prompts.Length, width),
            responseLength, new LogProbOptions { Temperature = 0.7 });
        var scored = lp.ToArray<float>();
        for (var p = 0; p < Prompts.Length; p++)
        {
            var expected = results[p].LogProbs.Select(x => (double)x).ToArray();
            var actual = scored.Skip(p * responseLength).Take(expected.Length).Select(x => (double)x).ToArray();
            AssertClose(expected, actual, atol: 1e-4, what: $"prompt {p}");
            Assert.All(scored.Skip(p * responseLength + expected.Length).Take(responseLength - expected.Length), x => Assert.Equal(0f, x));
        }
    }

    [Fact]
    public void Bad_prompts_are_refused_with_their_index()
    {
        using var scope = NewScope();
        using var model = Qwen2ForCausalLM.FromPretrained(GqaDir);
        var empty = Assert.Throws<ArgumentException>(() => Sampler.Generate(model, [[1, 2], []], new GenerationOptions()));
        Assert.Contains("prompt 1", empty.Message);
        var outside = Assert.Throws<ArgumentException>(() => Sampler.Generate(model, [[1, 512]], new GenerationOptions()));
        Assert.Contains("512", outside.Message);
        Assert.Throws<ArgumentException>(() => Sampler.Generate(model, [[1]], new GenerationOptions { TopP = 0 }));
    }
}
