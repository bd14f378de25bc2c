using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Agents;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Tools;
using ChatMessage = ToolRL.Tokenization.ChatMessage;

namespace ToolRL.Tests.Agents;

/// <summary>With asynchronous tools, a row waiting on a slow tool sits out while the other rows keep decoding.</summary>
public class AsynchronousToolsTests
{
    private sealed class WaitFactory : IAgentEnvironmentFactory
    {
        public IReadOnlyList<AgentTask> Tasks(TaskSplit split) => [new("slow", new JsonObject { ["delay_ms"] = 1500 }), new("fast", new JsonObject { ["delay_ms"] = 0 })];

        public IAgentEnvironment Create(AgentTask task) => new WaitEnvironment(task.Data["delay_ms"]!.GetValue<int>());

        public ValueTask<GoldConversation?> GoldAsync(AgentTask task, CancellationToken cancellationToken = default) => ValueTask.FromResult<GoldConversation?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class WaitEnvironment(int delayMs) : IAgentEnvironment
    {
        private readonly ToolExecutor _executor = new([AIFunctionFactory.Create(async () => { await Task.Delay(delayMs); return new JsonObject { ["ok"] = true }; }, "wait", "Waits")]);

        public ValueTask<EnvironmentReset> ResetAsync(CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new EnvironmentReset([new ChatMessage("user", "Weather in Paris and Oslo?")], [.. _executor.Tools.Values]));

        public async ValueTask<EnvironmentStep> StepAsync(AssistantTurn turn, CancellationToken cancellationToken = default) => turn.IsAnswer
            ? EnvironmentStep.End(TerminationReason.Answered)
            : new EnvironmentStep(await _executor.ExecuteAsync(turn.Calls, cancellationToken), null, false);

        public ValueTask<EpisodeScore> ScoreAsync(TerminationReason termination, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new EpisodeScore(1, true, new Dictionary<string, double>()));

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_slow_tool_delays_only_its_own_row_when_tools_are_asynchronous(bool asynchronous)
    {
        var tok = AgentFixtures.Tokenizer;
        int[] Ids(string text) => [.. tok.EncodeToIds(text)];
        var call = Ids("<tool_call>\n{\"name\": \"wait\", \"arguments\": {}}\n</tool_call><|im_end|>");
        var answer = Ids("Paris is 18 C, Oslo 9 C.<|im_end|>");
        var policy = new ScriptedTokenPolicy([[call, answer], [call, answer]]);
        var factory = new WaitFactory();
        var trajectories = await new AgentRollout(tok, new AgentRolloutOptions { AsynchronousTools = asynchronous })
            .RunAsync(factory, factory.Tasks(TaskSplit.Train), 1, (_, _) => policy, CancellationToken.None);
        Assert.All(trajectories, t => Assert.Equal(TerminationReason.Answered, t.Termination));
        Assert.Equal(trajectories[0].ResponseIds, trajectories[1].ResponseIds);   // same tokens either way
        // Where the slow row's observation entered, relative to the fast row's last token.
        var slowObservation = policy.Fed.FindIndex(f => f.Row == 0 && f.Feed.Length > 1 && policy.Fed.IndexOf(f) > 0);
        var fastDone = policy.Fed.FindLastIndex(f => f.Row == 1);
        if (asynchronous)
        {
            Assert.True(slowObservation > fastDone, "the fast row finished its whole answer while the slow tool ran");
        }
        else
        {
            Assert.True(slowObservation < fastDone, "the step-aligned schedule waited for the slow tool");
        }
    }
}
