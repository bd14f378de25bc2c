using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Agents;

/// <summary>The retail domain's short-prompt SFT tasks (<c>sft_short_tasks</c>): copy-dense gold rows mixed into the warm start.</summary>
public class ShortSftTasksTests
{
    private static readonly string[] DemoKinds = ["order_status", "cancel", "return", "change_address"];
    private static readonly string[] DemoTools = ["get_order_details", "cancel_pending_order", "return_delivered_order", "modify_pending_order_address"];

    private static RetailOptions Demo(int shortTasks) => new()
    {
        TrainTasks = 8, ValidationTasks = 4, Users = 4, OrderIdDigits = 2, ExampleIds = false, Kinds = DemoKinds, OfferedTools = DemoTools, SftShortTasks = shortTasks,
    };

    private static string GoldOrderId(AgentTask task) => task.Data["gold_turns"]![0]!["tool_calls"]![0]!["arguments"]!["order_id"]!.GetValue<string>();

    [Fact]
    public void The_option_is_read_and_bad_values_are_named_with_their_fix()
    {
        Assert.Equal(0, RetailOptions.FromJson(null).SftShortTasks);
        Assert.Equal(5, RetailOptions.FromJson(new JsonObject { ["sft_short_tasks"] = 5 }).SftShortTasks);
        var e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["sft_short_tasks"] = -1 }));
        Assert.Equal($"environment.options.sft_short_tasks is -1; fix: give 0 (none) to {RetailOptions.MaxSftShortTasks}", e.Message);
        e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["sft_short_tasks"] = RetailOptions.MaxSftShortTasks + 1 }));
        Assert.Contains($"sft_short_tasks is {RetailOptions.MaxSftShortTasks + 1}", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["sft_short_tasks"] = "many" }));
        Assert.StartsWith("environment.options.sft_short_tasks is \"many\", which is not of the expected type", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Short_tasks_are_new_shops_leave_the_training_tasks_unchanged_and_are_deterministic()
    {
        var without = new RetailEnvironmentFactory(Demo(0));
        var with = new RetailEnvironmentFactory(Demo(12));
        var again = new RetailEnvironmentFactory(Demo(12));
        Assert.Empty(without.SftOnlyTasks);
        Assert.Equal(without.Tasks(TaskSplit.Train).Select(t => (t.Id, t.Data.ToJsonString())), with.Tasks(TaskSplit.Train).Select(t => (t.Id, t.Data.ToJsonString())));
        Assert.Equal(without.Tasks(TaskSplit.Validation).Select(t => t.Data.ToJsonString()), with.Tasks(TaskSplit.Validation).Select(t => t.Data.ToJsonString()));
        Assert.Equal(12, with.SftOnlyTasks.Count);
        Assert.Equal(with.SftOnlyTasks.Select(t => (t.Id, t.Data.ToJsonString())), again.SftOnlyTasks.Select(t => (t.Id, t.Data.ToJsonString())));
        Assert.Equal("train-short-0000", with.SftOnlyTasks[0].Id);
        // Every kind, in turn, each on a shop of its own that no training or held-out task uses.
        Assert.Equal([.. Enumerable.Range(0, 12).Select(i => DemoKinds[(8 + i) % 4])], with.SftOnlyTasks.Select(t => t.Data["kind"]!.GetValue<string>()));
        var seeds = with.Tasks(TaskSplit.Train).Concat(with.Tasks(TaskSplit.Validation)).Select(t => t.Data["db_seed"]!.GetValue<long>()).ToHashSet();
        Assert.DoesNotContain(with.SftOnlyTasks, t => seeds.Contains(t.Data["db_seed"]!.GetValue<long>()));
        Assert.Equal(12, with.SftOnlyTasks.Select(t => t.Data["db_seed"]!.GetValue<long>()).Distinct().Count());
    }

    [Fact]
    public async Task Short_gold_rows_are_short_copy_the_users_id_into_the_call_and_are_masked_like_full_ones()
    {
        var tok = AgentFixtures.Tokenizer;
        var factory = new RetailEnvironmentFactory(Demo(8));
        var options = new AgentRolloutOptions();
        var full = await GoldTrajectories.BuildAsync(factory, factory.Tasks(TaskSplit.Train), tok, options);
        var shortRows = await GoldTrajectories.BuildAsync(factory, factory.SftOnlyTasks, tok, options);
        Assert.Equal(8, full.Count);
        Assert.Equal(8, shortRows.Count);
        var fullLength = full.Average(t => t.PromptIds.Length + t.ResponseIds.Length);
        foreach (var t in shortRows)
        {
            var id = GoldOrderId(t.Task);
            // One line of system prompt and no tool schemas: under a third of the tokens of a full row.
            Assert.True(t.PromptIds.Length + t.ResponseIds.Length < fullLength / 3, $"{t.Task.Id}: {t.PromptIds.Length + t.ResponseIds.Length} tokens against {fullLength:F0}");
            Assert.Equal(RetailEnvironment.ShortSystemPrompt, t.Messages[0].Content);
            var prompt = tok.Decode(t.PromptIds);
            Assert.DoesNotContain("<tools>", prompt, StringComparison.Ordinal);
            var tool = t.Task.Data["gold_turns"]![0]!["tool_calls"]![0]!["name"]!.GetValue<string>();
            // The id is in the user's request and in the trained call; nowhere else in the prompt.
            Assert.Contains(id, t.Messages[1].Content, StringComparison.Ordinal);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(prompt, "#W[0-9]"));
            var trained = tok.Decode([.. t.ResponseIds.Where((_, i) => t.LossMask[i])]);
            Assert.StartsWith($"<tool_call>\n{{\"name\": \"{tool}\", \"arguments\": {{\"order_id\": \"{id}\"", trained, StringComparison.Ordinal);
            // Laid out as every gold row: the template's rendering, the loss exactly on the assistant's segments.
            await using var env = factory.Create(t.Task);
            var shown = ToolRL.Agents.Tools.ToolSchemas.ToOpenAiFunctions((await env.ResetAsync()).Tools);
            Assert.Equal(tok.EncodeToIds(Qwen25ChatTemplate.Render(t.Messages, shown)).ToArray()[..^1], t.PromptIds.Concat(t.ResponseIds).ToArray());
            var expected = new bool[t.ResponseIds.Length];
            foreach (var s in t.Segments.Where(s => s.Kind == SegmentKind.Policy))
            {
                Array.Fill(expected, true, s.Start, s.Length);
            }
            Assert.Equal(expected, t.LossMask);
            Assert.Equal(2, t.Segments.Count(s => s.Kind == SegmentKind.Policy));
        }
    }

    [Fact]
    public async Task The_warm_start_data_holds_the_training_and_the_short_gold_rows()
    {
        var config = TrainingConfig.Parse("""
            {
              "algorithm": "grpo", "batch_size": 4, "n": 4, "ppo_mini_batch_size": 4,
              "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
              "tokenizer": { "train_bpe": { "vocab_size": 400 } },
              "environment": { "name": "retail", "options": { "train_tasks": 6, "sft_short_tasks": 10, "order_id_digits": 2 } }
            }
            """);
        await using var run = await AgentRun.StartAsync(config.Environment!);
        Assert.Equal(6, run.TrainRows().Count);   // RFT and GRPO roll out the training tasks only
        var sequences = await run.GoldSequencesAsync(AgentFixtures.Tokenizer);
        Assert.Equal(16, sequences.Count);
        var shortest = sequences.Take(6).Min(s => s.PromptIds.Count);
        Assert.All(sequences.Skip(6), s => Assert.True(s.PromptIds.Count < shortest, $"{s.PromptIds.Count} prompt tokens, full rows have at least {shortest}"));
        Assert.All(sequences, s => Assert.Equal(s.ResponseIds.Length, s.LossMask!.Length));
    }
}
