using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Training;
using ToolRL.Training.Models;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Training;

/// <summary>
/// The main job's tiny Qwen2 (hidden 128, 2 layers, 4 heads, 2 KV heads, intermediate 256, tied embeddings) learns to
/// copy through <see cref="SftTrainer"/> with the main job's SFT settings (batch 16, lr 4e-3, cosine): the prompt
/// holds 4–6 random digits, the response repeats them, and after 250 steps held-out digits are copied far above chance
/// (0.1). Copying needs attention to the right earlier position, so a trainer or model that breaks positions, masks or
/// the update cannot pass (docs/copying.md has the measurements and the failing variants).
/// </summary>
public sealed class CopyTaskTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Pad = 0, End = 1, Sep = 2, Marker = 3, Digit0 = 10, Vocab = 64;

    /// <summary>[fixed tokens, marker, 4–6 digits, separator] → [the digits, end].</summary>
    internal static SftSequence CopySequence(Random random)
    {
        var digits = Enumerable.Range(0, 4 + random.Next(3)).Select(_ => Digit0 + random.Next(10)).ToArray();
        return new SftSequence([4, 5, 6, Marker, .. digits, Sep], [.. digits, End]);
    }

    internal static TrainingConfig Config(double lr) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "sft", "seed": 7, "max_prompt_length": 32, "max_response_length": 8, "max_grad_norm": 1.0,
          "model": { "tiny": { "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 256 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 0 } },
          "trainer": { "test_freq": -1, "val_before_train": false },
          "sft": { "epochs": 1, "lr": {{lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}, "batch_size": 16, "micro_batch_size": 16,
                   "lr_scheduler": { "type": "cosine", "warmup_ratio": 0.05 } }
        }
        """)!.AsObject());

    internal static Qwen2Policy Policy() => new(Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = Vocab, HiddenSize = 128, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 1024, TieWordEmbeddings = true, EosTokenIds = [End], PadTokenId = Pad,
    }, seed: 7));

    /// <summary>Trains <paramref name="steps"/> steps on fresh copy sequences; returns the held-out per-digit accuracy.</summary>
    internal static async Task<double> TrainAndMeasure(double lr, int steps)
    {
        var random = new Random(1);
        var train = Enumerable.Range(0, 16 * steps).Select(_ => CopySequence(random)).ToList();
        var heldOut = new Random(2);
        var test = Enumerable.Range(0, 64).Select(_ => CopySequence(heldOut)).ToList();
        using var policy = Policy();
        using (var trainer = new SftTrainer(Config(lr), policy, Pad, train))
        {
            await foreach (var _ in trainer.TrainAsync())
            {
            }
        }
        return DigitAccuracy(policy.Model, test);
    }

    /// <summary>Teacher-forced: the share of response digits that are the model's most likely next token.</summary>
    internal static double DigitAccuracy(Qwen2ForCausalLM model, IReadOnlyList<SftSequence> sequences)
    {
        using var noGrad = NoGrad();
        using var scope = NewScope();
        int right = 0, total = 0;
        foreach (var s in sequences)
        {
            var ids = s.PromptIds.Concat(s.ResponseIds).Select(x => (long)x).ToArray();
            var predicted = model.Forward(FromArray(ids, 1, ids.Length)).ArgMax(-1).ToArray<long>();   // [1,T] → next token at each position
            for (var t = 0; t < s.ResponseIds.Length; t++)
            {
                if (s.ResponseIds[t] is >= Digit0 and < Digit0 + 10)
                {
                    right += predicted[s.PromptIds.Count + t - 1] == s.ResponseIds[t] ? 1 : 0;
                    total++;
                }
            }
        }
        return (double)right / total;
    }

    [Fact]
    public async Task TinyQwen2LearnsToCopyDigitsFromThePromptIn250Steps()
    {
        // Measured 0.978 at 250 steps (about 30 CPU-s on the loaded 2-core machine); 0.1 is chance.
        var accuracy = await TrainAndMeasure(4e-3, 250);
        output.WriteLine($"held-out per-digit copy accuracy {accuracy:F3}");
        Assert.True(accuracy >= 0.75, $"held-out per-digit copy accuracy {accuracy:F3} after 250 steps; expected ≥ 0.75");
    }
}
