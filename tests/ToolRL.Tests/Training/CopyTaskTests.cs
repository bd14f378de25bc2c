using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Training;
using ToolRL.Training.Models;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Training;

/// <summary>
/// The main job's tiny Qwen2 (hidden 128, 2 layers, 4 heads, 2 KV heads, intermediate 256, tied embeddings) learns to
/// copy through <see cref="SftTrainer"/> (batch 16, cosine): the prompt holds 4–6 random digits after a marker at a
/// random place among filler tokens, the response repeats them. Copying from a random place needs content-addressed
/// attention (find the marker, read what follows it, in order), as copying a user's order id or timer minutes does;
/// a trainer or model that breaks positions, masks or the update cannot pass. The learning rate matters: at the
/// main job's SFT rate of 4e-3 this copy does not form in the same steps (docs/copying.md).
/// </summary>
public sealed class CopyTaskTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Pad = 0, End = 1, Sep = 2, Marker = 3, Digit0 = 10, Vocab = 64;

    /// <summary>[fixed tokens, filler, marker, 4–6 digits, filler, separator] → [the digits, end], with
    /// <paramref name="filler"/> filler tokens split at random before and after the digits.</summary>
    private static SftSequence CopySequence(Random random, int filler)
    {
        var digits = Enumerable.Range(0, 4 + random.Next(3)).Select(_ => Digit0 + random.Next(10)).ToArray();
        var before = random.Next(filler + 1);
        int[] Filler(int n) => Enumerable.Range(0, n).Select(_ => 20 + random.Next(Vocab - 20)).ToArray();
        return new SftSequence([4, 5, 6, .. Filler(before), Marker, .. digits, .. Filler(filler - before), Sep], [.. digits, End]);
    }

    private static TrainingConfig Config(double lr) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "sft", "seed": 7, "max_prompt_length": 64, "max_response_length": 8, "max_grad_norm": 1.0,
          "model": { "tiny": { "hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 256 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 16, "val_count": 0 } },
          "trainer": { "test_freq": -1, "val_before_train": false },
          "sft": { "epochs": 1, "lr": {{lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}}, "batch_size": 16, "micro_batch_size": 16,
                   "lr_scheduler": { "type": "cosine", "warmup_ratio": 0.05 } }
        }
        """)!.AsObject());

    private static Qwen2Policy Policy() => new(Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = Vocab, HiddenSize = 128, IntermediateSize = 256, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 1024, TieWordEmbeddings = true, EosTokenIds = [End], PadTokenId = Pad,
    }, seed: 7));

    /// <summary>Trains <paramref name="steps"/> steps on fresh copy sequences; returns the held-out per-digit accuracy.</summary>
    private static async Task<double> TrainAndMeasure(double lr, int steps, int filler)
    {
        var random = new Random(1);
        var train = Enumerable.Range(0, 16 * steps).Select(_ => CopySequence(random, filler)).ToList();
        var heldOut = new Random(2);
        var test = Enumerable.Range(0, 64).Select(_ => CopySequence(heldOut, filler)).ToList();
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
    private static double DigitAccuracy(Qwen2ForCausalLM model, IReadOnlyList<SftSequence> sequences)
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
    public async Task TinyQwen2LearnsToCopyDigitsFromARandomPlaceInThePrompt()
    {
        // Measured with this code: 0.985 at lr 1e-3 (about 25 CPU-s); 0.602 at lr 4e-3 and 0.089 at lr 1e-9 (chance 0.1).
        var accuracy = await TrainAndMeasure(Lr, Steps, Filler);
        output.WriteLine($"held-out per-digit copy accuracy {accuracy:F3}");
        Assert.True(accuracy >= 0.8, $"held-out per-digit copy accuracy {accuracy:F3} after {Steps} steps; expected ≥ 0.8");
    }

    private const double Lr = 1e-3;
    private const int Steps = 400;
    private const int Filler = 12;
}
