using ToolRL.Agents.Rollout;
using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Agents;

/// <summary>The multi-turn KV cache against a full recompute of each row's whole sequence without cache.</summary>
public class KvCachePolicyTests
{
    private static Qwen2ForCausalLM Model() => Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = 97,
        HiddenSize = 32,
        IntermediateSize = 48,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 512,
        TieWordEmbeddings = false,
    }, seed: 21);

    private static int[] Span(int start, int length) => [.. Enumerable.Range(start, length).Select(i => 1 + i * 7 % 96)];

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void Turns_prefilled_onto_the_cache_score_as_a_full_recompute_does(double temperature)
    {
        using var model = Model();
        const int rows = 4;
        var sampling = new GenerationOptions { DoSample = temperature > 0, Temperature = temperature > 0 ? temperature : 1, Seed = 5 };
        var sequences = Enumerable.Range(0, rows).Select(_ => new List<int>()).ToArray();
        var picked = Enumerable.Range(0, rows).Select(_ => new List<(int Position, int Id, float LogProb)>()).ToArray();
        // Capacity 8 forces the cache to grow; rows get different prompt lengths, turns of different lengths at
        // different steps, idle steps, and rows 1 and 3 finish early (the cache is compacted).
        using (var policy = new KvCachePolicy(model, rows, sampling, initialCapacity: 8))
        {
            var feeds = new int[]?[] { Span(0, 5), Span(3, 9), Span(11, 2), Span(2, 6) };
            var carry = new int[rows];
            for (var step = 0; step < 14; step++)
            {
                for (var r = 0; r < rows; r++)
                {
                    sequences[r].AddRange(feeds[r] ?? []);
                }
                var next = policy.Step(feeds);
                for (var r = 0; r < rows; r++)
                {
                    Assert.Equal(feeds[r] is not null, next[r] is not null);
                    if (next[r] is { } token)
                    {
                        picked[r].Add((sequences[r].Count, token.Id, token.LogProb));
                        carry[r] = token.Id;
                    }
                }
                for (var r = 0; r < rows; r++)
                {
                    if ((r, step) is (1, 4) or (3, 6))
                    {
                        policy.Release(r);   // finished: never fed again
                    }
                    feeds[r] = (r, step) switch
                    {
                        (1, >= 4) or (3, >= 6) => null,
                        (0, 4) or (0, 5) or (2, 4) => null,                       // waiting on a tool
                        (0, 2) or (0, 6) or (2, 5) => [carry[r], .. Span(40 + step, 7 + r)],   // the turn's last token, then an inserted turn
                        _ => [carry[r]],
                    };
                }
            }
        }
        for (var r = 0; r < rows; r++)
        {
            var full = sequences[r].Concat(picked[r].Count > 0 ? [picked[r][^1].Id] : []).ToArray();
            using var scope = NewScope();
            using var noGrad = NoGrad();
            var logits = model.Forward(FromArray(full.Select(i => (long)i).ToArray(), 1, full.Length)).To(DType.Float32);   // [1,L,V]
            var logProbs = logits.LogSoftmax(-1);
            foreach (var (position, id, logProb) in picked[r])
            {
                var expected = logProbs.Select(0, 0).Select(0, position - 1).ToArray<float>();
                Assert.Equal(expected[id], logProb, 4);
                if (temperature == 0)
                {
                    Assert.Equal(Array.IndexOf(expected, expected.Max()), id);
                }
            }
        }
    }
}
