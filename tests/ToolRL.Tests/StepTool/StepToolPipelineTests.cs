using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.StepTool;
using ToolRL.Testing;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.StepTool;

/// <summary>
/// configs/ppo-steptool-tiny.json, shortened: the pipeline generates a StepTool file from the retail environment,
/// reads it back, warm-starts on gold, trains PPO with LoRA on the replayed steps, and its critic learns.
/// </summary>
public sealed class StepToolPipelineTests
{
    private static JsonObject TinyConfig(string output)
    {
        var root = JsonNode.Parse(File.ReadAllText(TestPaths.InRepo("configs", "ppo-steptool-tiny.json")))!.AsObject();
        var options = root["environment"]!["options"]!.AsObject();
        options["train_tasks"] = 8;
        options["validation_tasks"] = 2;
        root["environment"]!["eval_trials"] = 1;
        root["max_response_length"] = 64;
        root["batch_size"] = 4;
        root["ppo_mini_batch_size"] = 4;
        root["model"]!["tiny"] = JsonNode.Parse("""{ "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 }""");
        root["tokenizer"]!["train_bpe"]!["vocab_size"] = 400;
        root["sft"]!["epochs"] = 2;
        var trainer = root["trainer"]!.AsObject();
        trainer["output_dir"] = output.Replace("\\", "/", StringComparison.Ordinal);
        trainer["total_training_steps"] = 8;
        trainer["save_freq"] = -1;
        return root;
    }

    [Fact]
    public async Task TheTinyOfflineConfigRunsAndItsCriticLearns()
    {
        using var temp = new TempDirectory("steptool-pipeline");
        var config = TrainingConfig.FromJson(TinyConfig(temp.Path));
        Assert.Equal(StepToolMode.Offline, config.StepTool!.Mode);
        var pipeline = new TrainingPipeline(config, temp.Path, resume: false);
        var steps = new List<TrainingStepResult>();
        await foreach (var step in pipeline.RunAsync())
        {
            steps.Add(step);
        }
        Assert.Equal(["sft", "ppo"], steps.Select(s => s.Phase).Distinct());

        // The generated file is in the authors' format: the same reader reads it back.
        var samples = StepToolFile.Read(Path.Combine(temp.Path, "data", "steptool_train.csv"));
        Assert.Equal(8 * 4, samples.Count);

        var ppo = steps.Where(s => s.Phase == "ppo").Select(s => s.Metrics.Values).ToList();
        Assert.Equal(8, ppo.Count);
        Assert.All(ppo, m => Assert.Equal(0.3, m[MetricNames.RewardKlPenaltyCoeff], 2));   // adaptive β barely moves at horizon 10,000
        Assert.All(ppo, m => Assert.True(m.ContainsKey("steptool/final_score/mean")));
        var explained = ppo.Select(m => m[MetricNames.VfExplainedVar]).ToList();
        // The critic starts from the policy with a fresh value head and learns the step returns.
        Assert.True(explained.Skip(4).Average() > explained.Take(2).Average() + 0.1, $"explained variance did not rise: {string.Join(", ", explained.Select(e => e.ToString("0.000")))}");
        Assert.NotNull(pipeline.AgentAfter);
    }
}
