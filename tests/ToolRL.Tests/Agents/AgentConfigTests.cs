using ToolRL.Configuration;

namespace ToolRL.Tests.Agents;

public class AgentConfigTests
{
    private const string Agent = """
        {
          "algorithm": "grpo", "batch_size": 4, "n": 4, "ppo_mini_batch_size": 4,
          "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
          "tokenizer": { "train_bpe": { "vocab_size": 400 } },
          "environment": {
            "name": "retail", "options": { "train_tasks": 8 }, "max_assistant_turns": 4, "eval_trials": 3, "asynchronous_tools": true,
            "mcp_servers": [ { "command": "dotnet", "args": ["server.dll", "--quiet"] } ]
          }
        }
        """;

    [Fact]
    public async Task An_environment_replaces_the_data_section_and_round_trips()
    {
        var config = TrainingConfig.Parse(Agent);
        var environment = config.Environment!;
        Assert.Equal(("retail", 4, 3, 1.0), (environment.Name, environment.MaxAssistantTurns, environment.EvalTrials, environment.RewardWeight));
        Assert.Equal(8, environment.Options!["train_tasks"]!.GetValue<int>());
        Assert.True(environment.AsynchronousTools);
        await using (var run = await ToolRL.Agents.Training.AgentRun.StartAsync(environment with { McpServers = [] }))
        {
            Assert.True(run.RolloutOptions(64, 1.0).AsynchronousTools);
        }
        Assert.False(TrainingConfig.Parse(Agent.Replace("\"asynchronous_tools\": true,", "", StringComparison.Ordinal)).Environment!.AsynchronousTools);
        Assert.Equal("dotnet", environment.McpServers[0].Command);
        Assert.Equal(["server.dll", "--quiet"], environment.McpServers[0].Args);
        var again = TrainingConfig.Parse(config.ToJsonString());
        Assert.Equal(config.ToJsonString(), again.ToJsonString());
    }

    [Fact]
    public async Task The_demo_recipe_runs_sft_rft_grpo_on_easy_ids_with_validation_during_rl()
    {
        // configs/grpo-tiny-agent.json (docs/agents.md): a run of it is what the docs' numbers come from.
        var config = TrainingConfig.Load(ToolRL.Testing.TestPaths.InRepo("configs", "grpo-tiny-agent.json"));
        Assert.Equal((AlgorithmKind.Grpo, "retail"), (config.Algorithm, config.Environment!.Name));
        Assert.NotNull(config.Sft);
        Assert.True(config.Rft!.TasksPerRound is > 0 and <= 256, "RFT samples a slice of the large SFT task set");
        Assert.InRange(config.Trainer.TestFreq, 1, config.Trainer.TotalTrainingSteps!.Value - 1);
        await using var run = await ToolRL.Agents.Training.AgentRun.StartAsync(config.Environment);
        var options = ((ToolRL.Agents.Retail.RetailEnvironmentFactory)run.Environments).Options;
        Assert.Equal(2, options.OrderIdDigits);
        Assert.True(options.TrainTasks >= 1024, "many distinct ids, so SFT learns to copy them rather than memorise them");
        Assert.True(options.SftShortTasks >= 4 * options.TrainTasks, "mostly short copy-dense rows: without them the id is never copied (docs/agents.md)");
        Assert.Equal(["order_status"], options.ActionCheckKinds);
        Assert.DoesNotContain(run.Environments.Tasks(ToolRL.Agents.TaskSplit.Validation).Select(t => t.Data["db_seed"]!.GetValue<long>()),
            run.Environments.Tasks(ToolRL.Agents.TaskSplit.Train).Select(t => t.Data["db_seed"]!.GetValue<long>()).ToHashSet().Contains);
    }

    [Fact]
    public void Bad_environment_fields_are_named_with_their_fix()
    {
        var e = Assert.Throws<ConfigurationException>(() => TrainingConfig.Parse(Agent.Replace("\"max_assistant_turns\": 4", "\"max_assistant_turns\": 0", StringComparison.Ordinal)));
        Assert.Contains("environment.max_assistant_turns", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ConfigurationException>(() => TrainingConfig.Parse(Agent.Replace("\"command\": \"dotnet\", ", "", StringComparison.Ordinal)));
        Assert.Contains("mcp_servers[0].command", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ConfigurationException>(() => TrainingConfig.Parse(Agent.Replace("\"eval_trials\"", "\"eval_trails\"", StringComparison.Ordinal)));
        Assert.Contains("eval_trails", e.Message, StringComparison.Ordinal);
    }
}
