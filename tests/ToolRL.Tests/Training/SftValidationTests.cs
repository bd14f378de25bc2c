using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Training;
using ToolRL.Training.Rollout;
using ToolRL.Training.Validation;

namespace ToolRL.Tests.Training;

/// <summary>
/// The SFT-only run validates as the RL path does: the first <c>data.max_val_samples</c> held-out rows, decoded
/// greedily unless <c>sampling.val_greedy</c> is off.
/// </summary>
public sealed class SftValidationTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-sftval-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    private static TrainingConfig Config(string output, bool valGreedy) => TrainingConfig.FromJson(JsonNode.Parse($$"""
        {
          "algorithm": "sft", "seed": 3, "batch_size": 4, "max_prompt_length": 1024, "max_response_length": 12,
          "sampling": { "temperature": 0.7, "val_greedy": {{(valGreedy ? "true" : "false")}} },
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 320 } },
          "data": { "synthetic": { "train_count": 8, "val_count": 6, "preset": "tiny" }, "max_val_samples": 2 },
          "sft": { "epochs": 1, "lr": 0.002, "batch_size": 4, "micro_batch_size": 4 },
          "trainer": { "experiment_name": "sftval-qwen", "output_dir": "{{output.Replace("\\", "/")}}" }
        }
        """)!.AsObject());

    [Fact]
    public async Task AnSftOnlyRunValidatesOnlyMaxValSamplesRows()
    {
        var pipeline = new TrainingPipeline(Config(_run.Directory, valGreedy: true), _run.Directory, resume: false);
        await foreach (var _ in pipeline.RunAsync())
        {
        }
        Assert.NotNull(pipeline.After);
        Assert.Equal(2, pipeline.After!.Count);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_run.Directory, ValidationLog.FolderName, "after_sft.jsonl")).Length);
    }

    [Theory]
    [InlineData(true, 0.0)]
    [InlineData(false, 0.7)]
    public void ValidationDecodesGreedilyOnlyWhenValGreedyIsOn(bool valGreedy, double temperature)
    {
        var config = Config(_run.Directory, valGreedy);
        var validator = Validator.FromConfig(config, TinyRun.Rows(6, seed: 99), new PromptEncoder(TinyRun.Tokenizer, config.MaxPromptLength), new BrevityReward())!;
        Assert.Equal(2, validator.Rows.Count);
        Assert.Equal(temperature, validator.Sampling.Temperature);
        Assert.Equal(12, validator.Sampling.MaxNewTokens);
    }
}
