using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Tools;
using ToolRL.Tokenization;

namespace ToolRL.Tests.Agents;

/// <summary>Token accounting of the agent loop with scripted turns: ids, masks, segments, and the template invariant.</summary>
public class RolloutMaskTests
{
    private static Qwen2Tokenizer Tok => AgentFixtures.Tokenizer;

    private static int[] Ids(string text) => [.. Tok.EncodeToIds(text)];

    private static Task<IReadOnlyList<AgentTrajectory>> Run(IAgentEnvironmentFactory factory, IReadOnlyList<AgentTask> tasks, IReadOnlyList<IReadOnlyList<int[]>> turns,
        AgentRolloutOptions? options = null, ScriptedTokenPolicy? policy = null) =>
        new AgentRollout(Tok, options ?? new AgentRolloutOptions()).RunAsync(factory, tasks, 1, (_, _) => policy ?? new ScriptedTokenPolicy(turns), CancellationToken.None);

    private const string Turn1 = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>";
    private const string Turn2 = "Paris is 18 C, Oslo 9 C.";

    [Fact]
    public async Task Two_parallel_calls_then_an_answer_match_the_hand_written_golden()
    {
        var g1 = Ids(Turn1 + "<|im_end|>");
        var g2 = Ids(Turn2 + "<|im_end|>");
        var trajectory = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]]))[0];

        // Hand-written: what the environment must insert between the two generated turns.
        var o1 = Ids("\n<|im_start|>user\n<tool_response>\n{\"temp_c\": 18}\n</tool_response>\n<tool_response>\n{\"temp_c\": 9}\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
        Assert.Equal(Ids("\n")[0], o1[0]);
        Assert.Equal([.. g1, .. o1, .. g2], trajectory.ResponseIds);
        Assert.Equal([.. Enumerable.Repeat(true, g1.Length), .. Enumerable.Repeat(false, o1.Length), .. Enumerable.Repeat(true, g2.Length)], trajectory.LossMask);
        Assert.Equal([.. Enumerable.Repeat(-0.5f, g1.Length), .. Enumerable.Repeat(0f, o1.Length), .. Enumerable.Repeat(-0.5f, g2.Length)], trajectory.LogProbs);
        Assert.Equal(
            [new TrajectorySegment(SegmentKind.Policy, 0, g1.Length, 1), new TrajectorySegment(SegmentKind.Tool, g1.Length, o1.Length, 1),
             new TrajectorySegment(SegmentKind.Policy, g1.Length + o1.Length, g2.Length, 2)],
            trajectory.Segments);
        Assert.Equal(Tok.ImEndTokenId, trajectory.ResponseIds[g1.Length - 1]);
        Assert.True(trajectory.LossMask[g1.Length - 1]);   // the model's own <|im_end|> is trained
        Assert.Equal((2, 2, 0, TerminationReason.Answered), (trajectory.NumTurns, trajectory.ToolCalls, trajectory.ToolErrors, trajectory.Termination));

        // The prompt is the opening conversation with the tools, and prompt + response is the canonical rendering minus its last "\n".
        var tools = ToolSchemas.ToOpenAiFunctions(WeatherEnvironment.Tools);
        Assert.Equal(Ids(Qwen25ChatTemplate.Render(WeatherEnvironment.Conversation, tools, addGenerationPrompt: true)), trajectory.PromptIds);
        var canonical = Ids(Qwen25ChatTemplate.Render(trajectory.Messages, tools));
        Assert.Equal(canonical[..^1], trajectory.PromptIds.Concat(trajectory.ResponseIds).ToArray());
    }

    [Fact]
    public async Task Stopping_at_the_call_end_makes_the_environment_insert_the_im_end_with_mask_zero()
    {
        var oneCall = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";
        var g1 = Ids(oneCall);   // ends with </tool_call>: the policy stops there
        var g2 = Ids("18 C.<|im_end|>");
        var trajectory = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]], new AgentRolloutOptions { StopAtToolCallEnd = true }))[0];
        var o1 = Ids("<|im_end|>\n<|im_start|>user\n<tool_response>\n{\"temp_c\": 18}\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
        Assert.Equal([.. g1, .. o1, .. g2], trajectory.ResponseIds);
        Assert.False(trajectory.LossMask[g1.Length]);
        Assert.Equal(Tok.ImEndTokenId, trajectory.ResponseIds[g1.Length]);
        var canonical = Ids(Qwen25ChatTemplate.Render(trajectory.Messages, ToolSchemas.ToOpenAiFunctions(WeatherEnvironment.Tools)));
        Assert.Equal(canonical[..^1], trajectory.PromptIds.Concat(trajectory.ResponseIds).ToArray());
    }

    [Fact]
    public async Task Gold_retail_trajectories_equal_the_template_rendering_of_their_conversation()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 6, ValidationTasks = 6 });
        var tasks = factory.Tasks(TaskSplit.Validation);
        var golds = new List<GoldConversation>();
        foreach (var task in tasks)
        {
            golds.Add((await factory.GoldAsync(task))!);
        }
        var turns = golds.Select(g => (IReadOnlyList<int[]>)[.. g.Messages.Where(m => m.Role == "assistant").Select(m => AgentFixtures.AssistantIds(Tok, m))]).ToList();
        var trajectories = await Run(factory, tasks, turns);
        for (var i = 0; i < tasks.Count; i++)
        {
            var t = trajectories[i];
            Assert.True(t.Score.Success, $"{tasks[i].Id}: {t.Termination}, reward {t.Score.Reward}");
            Assert.Equal(golds[i].Messages.Select(m => (m.Role, m.Content, m.ToolCalls?.Count ?? 0)), t.Messages.Select(m => (m.Role, m.Content, m.ToolCalls?.Count ?? 0)));
            var canonical = Ids(Qwen25ChatTemplate.Render(t.Messages, golds[i].Tools));
            Assert.Equal(canonical[..^1], t.PromptIds.Concat(t.ResponseIds).ToArray());
            // Mask 1 exactly on the policy segments.
            var expected = new bool[t.ResponseIds.Length];
            foreach (var s in t.Segments.Where(s => s.Kind == SegmentKind.Policy))
            {
                Array.Fill(expected, true, s.Start, s.Length);
            }
            Assert.Equal(expected, t.LossMask);
            Assert.Equal(t.Segments.Sum(s => s.Length), t.ResponseIds.Length);
        }
        Assert.Contains(trajectories, t => t.Segments.Any(s => s.Kind == SegmentKind.User));   // cancel_when_asked
    }

    [Fact]
    public async Task Non_canonical_argument_spacing_is_kept_as_generated_and_only_the_rendering_differs()
    {
        // The model writes compact JSON; the template would re-serialise it with ", " and ": ". TITO keeps the sampled ids.
        var g1 = Ids("<tool_call>\n{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}\n</tool_call><|im_end|>");
        var g2 = Ids("18 C.<|im_end|>");
        var trajectory = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]]))[0];
        Assert.Equal(g1, trajectory.ResponseIds[..g1.Length]);
        var canonical = Ids(Qwen25ChatTemplate.Render(trajectory.Messages, ToolSchemas.ToOpenAiFunctions(WeatherEnvironment.Tools)));
        Assert.NotEqual(canonical[..^1], trajectory.PromptIds.Concat(trajectory.ResponseIds).ToArray());
    }

    [Fact]
    public async Task Malformed_calls_and_tool_errors_are_observations_and_the_episode_goes_on()
    {
        var g1 = Ids("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Rome\"}}\n</tool_call>\n<tool_call>\nget_weather(Paris)\n</tool_call><|im_end|>");
        var g2 = Ids("Sorry.<|im_end|>");
        var trajectory = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]]))[0];
        Assert.Equal((2, 2, TerminationReason.Answered), (trajectory.ToolCalls, trajectory.ToolErrors, trajectory.Termination));
        Assert.Equal(["system", "user", "assistant", "tool", "tool", "assistant"], trajectory.Messages.Select(m => m.Role));
        Assert.Equal("""{"error": "ArgumentException: unknown city 'Rome'"}""", trajectory.Messages[3].Content);
        Assert.StartsWith("""{"error": "InvalidToolCall: """, trajectory.Messages[4].Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Limits_end_episodes_without_appending_what_does_not_fit()
    {
        var g1 = Ids(Turn1 + "<|im_end|>");
        var g2 = Ids(Turn2 + "<|im_end|>");
        var oneTurn = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]], new AgentRolloutOptions { MaxTurns = 1 }))[0];
        Assert.Equal((TerminationReason.MaxTurns, 0.0), (oneTurn.Termination, oneTurn.Score.Reward));
        Assert.Equal(g1, oneTurn.ResponseIds);

        var tight = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]], new AgentRolloutOptions { MaxTotalTokens = g1.Length + 5 }))[0];
        Assert.Equal(TerminationReason.MaxTokens, tight.Termination);
        Assert.Equal(g1, tight.ResponseIds);   // the observation did not fit: nothing appended

        var truncated = (await Run(new WeatherFactory(), [WeatherFactory.Task], [[g1, g2]], new AgentRolloutOptions { MaxTotalTokens = 6 }))[0];
        Assert.Equal(TerminationReason.MaxTokens, truncated.Termination);
        Assert.Equal(g1[..6], truncated.ResponseIds);
        Assert.All(truncated.LossMask, Assert.True);
    }

    [Fact]
    public async Task Rows_are_fed_only_their_own_new_tokens_and_released_when_done()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 6, ValidationTasks = 2, Kinds = ["order_status", "count_orders"] });
        var tasks = factory.Tasks(TaskSplit.Validation);
        var golds = new List<GoldConversation>();
        foreach (var task in tasks)
        {
            golds.Add((await factory.GoldAsync(task))!);
        }
        var policy = new ScriptedTokenPolicy([.. golds.Select(g => (IReadOnlyList<int[]>)[.. g.Messages.Where(m => m.Role == "assistant").Select(m => AgentFixtures.AssistantIds(Tok, m))])]);
        var trajectories = await Run(factory, tasks, [], policy: policy);
        Assert.Equal([0, 1], policy.Released.Order());
        for (var r = 0; r < 2; r++)
        {
            var fed = policy.Fed.Where(f => f.Row == r).SelectMany(f => f.Feed).ToArray();
            var t = trajectories[r];
            // Everything fed = prompt + response without the last sampled token (it is never fed back).
            Assert.Equal([.. t.PromptIds, .. t.ResponseIds[..^1]], fed);
        }
    }
}
