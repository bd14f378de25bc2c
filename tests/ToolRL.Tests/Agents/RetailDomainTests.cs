using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Agents;

public class RetailDomainTests
{
    private static readonly RetailEnvironmentFactory Factory = new(new RetailOptions { TrainTasks = 18, ValidationTasks = 12 });

    /// <summary>Plays the task's gold turns as assistant turns; returns the score and the environment.</summary>
    private static async Task<(EpisodeScore Score, RetailEnvironment Env)> PlayAsync(AgentTask task, Func<int, AssistantTurn, AssistantTurn>? edit = null)
    {
        var env = (RetailEnvironment)Factory.Create(task);
        await env.ResetAsync();
        var i = 0;
        EnvironmentStep? step = null;
        foreach (var gold in task.Data["gold_turns"]!.AsArray())
        {
            var turn = gold!["tool_calls"] is JsonArray calls
                ? new AssistantTurn("", "", RetailEnvironment.GoldCalls(calls))
                : new AssistantTurn(gold["content"]!.GetValue<string>(), gold["content"]!.GetValue<string>(), []);
            step = await env.StepAsync(edit?.Invoke(i++, turn) ?? turn);
        }
        Assert.NotNull(step);
        return (await env.ScoreAsync(step!.Termination ?? TerminationReason.MaxTurns), env);
    }

    [Fact]
    public async Task Every_gold_solution_scores_one_and_ends_the_conversation()
    {
        foreach (var task in Factory.Tasks(TaskSplit.Train).Concat(Factory.Tasks(TaskSplit.Validation)))
        {
            var (score, _) = await PlayAsync(task);
            Assert.True(score.Success, $"{task.Id} ({task.Data["kind"]}) scored {score.Reward}");
            Assert.Equal(1.0, score.Components["db"]);
        }
    }

    [Fact]
    public void The_sets_cover_every_kind_and_differ_between_seeds()
    {
        var train = Factory.Tasks(TaskSplit.Train);
        var val = Factory.Tasks(TaskSplit.Validation);
        Assert.Equal(RetailTaskGenerator.Kinds.Order(), train.Select(t => t.Data["kind"]!.GetValue<string>()).Distinct().Order());
        Assert.Empty(train.Select(t => t.Data["user_lines"]!.ToJsonString()).Intersect(val.Select(t => t.Data["user_lines"]!.ToJsonString())));
        var again = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 18, ValidationTasks = 12 });
        Assert.Equal(train.Select(t => t.Data.ToJsonString()), again.Tasks(TaskSplit.Train).Select(t => t.Data.ToJsonString()));
    }

    [Fact]
    public async Task A_wrong_action_fails_the_db_check_and_a_missing_fact_fails_communicate()
    {
        var cancel = Factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "cancel");
        var wrongReason = await PlayAsync(cancel, (i, turn) => i == 0
            ? turn with { Calls = [new ParsedToolCall(turn.Calls[0].Call! with { Arguments = new JsonObject { ["order_id"] = turn.Calls[0].Call!.Arguments["order_id"]!.GetValue<string>(), ["reason"] = OtherReason(turn) } }, "", null)] }
            : turn);
        Assert.Equal(0.0, wrongReason.Score.Components["db"]);
        Assert.False(wrongReason.Score.Success);

        var status = Factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "order_status");
        var vague = await PlayAsync(status, (i, turn) => turn.IsAnswer ? new AssistantTurn("Done.", "Done.", []) : turn);
        Assert.Equal(1.0, vague.Score.Components["db"]);
        Assert.Equal(0.0, vague.Score.Components["communicate"]);
        Assert.Equal(0.0, vague.Score.Reward);
    }

    [Fact]
    public async Task The_action_check_makes_a_read_only_task_need_the_gold_look_up()
    {
        var factory = new RetailEnvironmentFactory(RetailOptions.FromJson(new JsonObject { ["train_tasks"] = 6, ["action_check_kinds"] = new JsonArray("order_status") }));
        var status = factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "order_status");
        var gold = RetailEnvironment.GoldCalls(status.Data["gold_turns"]![0]!["tool_calls"]!.AsArray());
        var answer = status.Data["gold_turns"]![1]!["content"]!.GetValue<string>();
        var wrongId = new ParsedToolCall(new ChatToolCall("get_order_details", new JsonObject { ["order_id"] = "#W0000" }), "", null);

        async Task<EpisodeScore> Play(RetailEnvironmentFactory f, params IReadOnlyList<ParsedToolCall>[] calls)
        {
            var env = f.Create(status);
            await env.ResetAsync();
            foreach (var c in calls)
            {
                await env.StepAsync(new AssistantTurn("", "", c));
            }
            var end = await env.StepAsync(new AssistantTurn(answer, answer, []));
            return await env.ScoreAsync(end.Termination!.Value);
        }

        // Without the check (tau2's default basis DB × COMMUNICATE), a right guess of the status word scores 1 with no
        // look-up or a failed one; with it, only the gold look-up does. The components are reported either way.
        var guessed = await Play(new RetailEnvironmentFactory(factory.Options with { ActionCheckKinds = [] }), [wrongId]);
        Assert.Equal(1.0, guessed.Reward);
        Assert.Equal(0.0, guessed.Components["action"]);
        Assert.Equal(0.0, (await Play(factory)).Reward);
        var failed = await Play(factory, [wrongId]);
        Assert.Equal((0.0, 1.0, 0.0, 0.0), (failed.Reward, failed.Components["communicate"], failed.Components["action"], failed.Components["action_matched"]));
        var looked = await Play(factory, [wrongId], gold);   // a failed call before the right one does not matter
        Assert.Equal((1.0, 1.0, 1.0), (looked.Reward, looked.Components["action"], looked.Components["action_matched"]));

        // Arguments are compared on the gold call's names: an extra argument is ignored, another value is not.
        var extra = new ParsedToolCall(gold[0].Call! with { Arguments = new JsonObject { ["order_id"] = gold[0].Call!.Arguments["order_id"]!.DeepClone(), ["note"] = "x" } }, "", null);
        Assert.Equal(1.0, (await Play(factory, [extra])).Reward);

        // Kinds outside the list keep DB × COMMUNICATE; unknown kinds are refused.
        var cancel = factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "cancel");
        var cancelEnv = factory.Create(cancel);
        await cancelEnv.ResetAsync();
        await cancelEnv.StepAsync(new AssistantTurn("", "", RetailEnvironment.GoldCalls(cancel.Data["gold_turns"]![0]!["tool_calls"]!.AsArray())));
        Assert.Equal(1.0, (await cancelEnv.ScoreAsync((await cancelEnv.StepAsync(new AssistantTurn("It is cancelled.", "It is cancelled.", []))).Termination!.Value)).Reward);
        var e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["action_check_kinds"] = new JsonArray("status") }));
        Assert.Contains("action_check_kinds holds 'status'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_example_ids_the_users_message_holds_the_only_id_in_the_prompt()
    {
        var options = RetailOptions.FromJson(new JsonObject { ["train_tasks"] = 8, ["order_id_digits"] = 2, ["example_ids"] = false });
        var factory = new RetailEnvironmentFactory(options);
        foreach (var task in factory.Tasks(TaskSplit.Train))
        {
            var gold = (await factory.GoldAsync(task))!;
            var prompt = Qwen25ChatTemplate.Render([.. gold.Messages.Take(1)], gold.Tools);
            Assert.Contains("Order ids start with #W.", prompt, StringComparison.Ordinal);
            Assert.DoesNotMatch("""#W\d""", prompt);
            Assert.DoesNotContain("e.g.", prompt, StringComparison.Ordinal);
            Assert.Contains("\"description\": \"The order id\"", prompt, StringComparison.Ordinal);
            Assert.All(gold.Messages.Where(m => m.Role == "user"), m => Assert.True(System.Text.RegularExpressions.Regex.Count(m.Content, """#W\d\d""") <= 1));
            var played = await new AgentRollout(AgentFixtures.Tokenizer, new AgentRolloutOptions())
                .RunAsync(factory, [task], 1, (_, _) => new ScriptedTokenPolicy([[.. gold.Messages.Where(m => m.Role == "assistant").Select(m => AgentFixtures.AssistantIds(AgentFixtures.Tokenizer, m))]]), CancellationToken.None);
            Assert.True(played[0].Score.Success, $"{task.Id} ({task.Data["kind"]}) scored {played[0].Score.Reward}");
        }
        // The default shows them, in the prompt and in the arguments' descriptions.
        var shown = (await Factory.GoldAsync(Factory.Tasks(TaskSplit.Train)[0]))!;
        Assert.Contains("e.g. #W1234", Qwen25ChatTemplate.Render([.. shown.Messages.Take(1)], shown.Tools), StringComparison.Ordinal);
    }

    private static string OtherReason(AssistantTurn turn) =>
        turn.Calls[0].Call!.Arguments["reason"]!.GetValue<string>() == "no longer needed" ? "ordered by mistake" : "no longer needed";

    [Fact]
    public async Task A_premature_end_scores_zero_even_with_the_right_state()
    {
        var task = Factory.Tasks(TaskSplit.Train)[1];
        var env = Factory.Create(task);
        await env.ResetAsync();
        var gold = RetailEnvironment.GoldCalls(task.Data["gold_turns"]![0]!["tool_calls"]!.AsArray());
        await env.StepAsync(new AssistantTurn("", "", gold));
        var score = await env.ScoreAsync(TerminationReason.MaxTurns);
        Assert.Equal(0.0, score.Reward);
        Assert.Equal(1.0, score.Components["db"]);
    }

    [Fact]
    public async Task The_user_reveals_the_order_only_when_the_agent_answers_first()
    {
        var task = Factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "cancel_when_asked");
        var env = Factory.Create(task);
        var reset = await env.ResetAsync();
        Assert.Equal("I want to cancel an order.", reset.Messages[1].Content);
        Assert.Equal(10, reset.Tools.Count);
        var step = await env.StepAsync(new AssistantTurn("Which order?", "Which order?", []));
        Assert.False(step.Done);
        Assert.StartsWith("It is order #W", step.UserMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gold_conversations_hold_the_real_tool_results()
    {
        var task = Factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "count_orders");
        var gold = (await Factory.GoldAsync(task))!;
        Assert.Equal(["system", "user", "assistant", "tool", "assistant", "tool", "assistant"], gold.Messages.Select(m => m.Role));
        Assert.Matches("""^\{"user_id": "U\d\d"\}$""", gold.Messages[3].Content);
        Assert.Contains("\"order_ids\": [\"#W", gold.Messages[5].Content, StringComparison.Ordinal);
        Assert.Equal(10, gold.Tools.Count);
    }

    [Fact]
    public void Options_refuse_unknown_keys_and_equal_seeds()
    {
        var e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["train_seeds"] = 3 }));
        Assert.Contains("unknown key 'train_seeds'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["train_seed"] = 2 }));
        Assert.Contains("both 2", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => EnvironmentRegistry.Default.Create("airline"));
        Assert.IsType<RetailEnvironmentFactory>(EnvironmentRegistry.Default.Create("retail", new JsonObject { ["train_tasks"] = 2 }));
    }

    [Fact]
    public async Task Offered_tools_are_the_only_ones_shown_and_callable()
    {
        var options = RetailOptions.FromJson(JsonNode.Parse("""
            { "train_tasks": 6, "validation_tasks": 2, "kinds": ["order_status", "cancel"], "tools": ["get_order_details", "cancel_pending_order"] }
            """)!.AsObject());
        var factory = new RetailEnvironmentFactory(options);
        var task = factory.Tasks(TaskSplit.Train).First(t => t.Data["kind"]!.GetValue<string>() == "cancel");
        await using var env = factory.Create(task);
        var reset = await env.ResetAsync();
        Assert.Equal(["get_order_details", "cancel_pending_order"], reset.Tools.Select(t => t.Name));
        var gold = (await factory.GoldAsync(task))!;
        Assert.Equal(["get_order_details", "cancel_pending_order"], gold.Tools.Select(t => t["function"]!["name"]!.GetValue<string>()));
        var hidden = TurnParser.Parse("<tool_call>\n{\"name\": \"list_products\", \"arguments\": {}}\n</tool_call>", ChatDialect.Qwen25);
        var step = await env.StepAsync(hidden);
        Assert.True(step.Observations[0].IsError);
        Assert.Contains("no tool named 'list_products'", step.Observations[0].Content, StringComparison.Ordinal);
        // The gold solution still solves the task with the offered tools.
        var played = await new AgentRollout(AgentFixtures.Tokenizer, new AgentRolloutOptions())
            .RunAsync(factory, [task], 1, (_, _) => new ScriptedTokenPolicy([[.. gold.Messages.Where(m => m.Role == "assistant").Select(m => AgentFixtures.AssistantIds(AgentFixtures.Tokenizer, m))]]), CancellationToken.None);
        Assert.Equal(1.0, played[0].Score.Reward);

        var e = Assert.Throws<ArgumentException>(() => new RetailEnvironmentFactory(options with { Kinds = ["order_status", "return"] }));
        Assert.Contains("leaves out 'return_delivered_order'", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["tools"] = new JsonArray("get_order") }));
        Assert.Contains("'get_order'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shorter_order_ids_keep_every_gold_solution_solved_and_four_digits_unchanged()
    {
        var options = RetailOptions.FromJson(new JsonObject { ["train_tasks"] = 24, ["validation_tasks"] = 6, ["order_id_digits"] = 2 });
        var factory = new RetailEnvironmentFactory(options);
        foreach (var task in factory.Tasks(TaskSplit.Train).Concat(factory.Tasks(TaskSplit.Validation)))
        {
            var gold = (await factory.GoldAsync(task))!;
            var text = string.Join("\n", gold.Messages.Select(m => m.Content));
            Assert.Matches("""#W\d\d\b""", text);
            Assert.DoesNotMatch("""#W\d{3}""", text);   // the system prompt's example id too
            var played = await new AgentRollout(AgentFixtures.Tokenizer, new AgentRolloutOptions())
                .RunAsync(factory, [task], 1, (_, _) => new ScriptedTokenPolicy([[.. gold.Messages.Where(m => m.Role == "assistant").Select(m => AgentFixtures.AssistantIds(AgentFixtures.Tokenizer, m))]]), CancellationToken.None);
            Assert.True(played[0].Score.Success, $"{task.Id} ({task.Data["kind"]}) scored {played[0].Score.Reward}");
        }
        // Ids stay unique within a shop when folded into 90 numbers.
        var shop = RetailDatabase.Generate(5, users: 30, orderIdDigits: 2);
        Assert.All(shop.Orders.Keys, id => Assert.Matches("""^#W[1-9]\d$""", id));
        Assert.Equal(shop.Users.Values.Sum(u => u.OrderIds.Count), shop.Orders.Count);
        // The default (4 digits) draws the same shops as before the option existed.
        Assert.Equal(RetailDatabase.Generate(5, 6).Hash(), RetailDatabase.Generate(5, 6, orderIdDigits: 4).Hash());
        Assert.All(RetailDatabase.Generate(5, 6).Orders.Keys, id => Assert.Matches("""^#W\d{4}$""", id));
        var e = Assert.Throws<ArgumentException>(() => RetailOptions.FromJson(new JsonObject { ["order_id_digits"] = 7 }));
        Assert.Contains("order_id_digits is 7", e.Message, StringComparison.Ordinal);
    }
}
