using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ToolRL.Agents;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Tools;
using ToolRL.StepTool;
using ToolRL.Tokenization;

namespace ToolRL.Tests.StepTool;

/// <summary>
/// A failed tool call earns no contribution credit, even when the final answer echoes its error text: the step arm of
/// the outcome-vs-step comparison learned to collect that credit (docs/steptool.md). The observations are the real
/// ones <see cref="ToolExecutor"/> writes for an unreadable block, an unknown tool and a tool that throws.
/// </summary>
public sealed class ContributionGateTests
{
    private static readonly ToolExecutor Executor = new(
    [
        AIFunctionFactory.Create((string id) => id == "W1" ? new JsonObject { ["order"] = id, ["status"] = "delivered" } : throw new KeyNotFoundException($"no order {id}"), "find_order", "Finds an order"),
    ]);

    private static ParsedToolCall Call(string name, string id) => new(new ChatToolCall(name, new JsonObject { ["id"] = id }), "", null);

    public static TheoryData<string> FailedCalls() => new() { "unreadable", "unknown_tool", "throws" };

    private static async Task<string> ObservationAsync(string kind)
    {
        var observation = await Executor.ExecuteAsync(kind switch
        {
            "unreadable" => new ParsedToolCall(null, "{\"name\": find_order", "the block is not JSON"),
            "unknown_tool" => Call("lookup", "W1"),
            "throws" => Call("find_order", "W9"),
            "ok" => Call("find_order", "W1"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        });
        Assert.Equal(kind != "ok", observation.IsError);
        return observation.Content;
    }

    [Theory]
    [MemberData(nameof(FailedCalls))]
    public async Task AFailedCallScoresZeroEvenWhenTheAnswerEchoesIt(string kind)
    {
        var error = await ObservationAsync(kind);
        var answer = "Sorry: " + error;                    // the whole error text reappears: LCS share 1.0
        Assert.True(RuleBasedStepAnnotator.Contributed(error, answer));
        Assert.False(RuleBasedStepAnnotator.Succeeded(error));
        Assert.Equal(0.0, RuleBasedStepAnnotator.CallScore(error, answer));   // ungated: (0 + 1) / 2 = 0.5
    }

    [Fact]
    public async Task ASucceededCallKeepsItsContribution()
    {
        var result = await ObservationAsync("ok");
        Assert.Equal("""{"order": "W1", "status": "delivered"}""", result);
        Assert.Equal(1.0, RuleBasedStepAnnotator.CallScore(result, "Your order: " + result));   // (1 + 1) / 2
        Assert.Equal(0.5, RuleBasedStepAnnotator.CallScore(result, "no idea"));                  // (1 + 0) / 2
    }

    [Fact]
    public async Task OnlineStepRewardsGiveAFailedTurnNothing()
    {
        // Turn 1 calls an unknown tool, turn 2 finds the order, turn 3 answers with both observations' text.
        var error = await ObservationAsync("unknown_tool");
        var result = await ObservationAsync("ok");
        var answer = error + " " + result;
        var trajectory = new AgentTrajectory
        {
            Task = new AgentTask("t", []), GroupIndex = 0, SampleIndex = 0, PromptIds = [1],
            ResponseIds = new int[13], LossMask = [true, true, true, false, false, true, true, true, false, false, true, true, true],
            LogProbs = new float[13],
            Segments =
            [
                new(SegmentKind.Policy, 0, 3, 1), new(SegmentKind.Tool, 3, 2, 1),
                new(SegmentKind.Policy, 5, 3, 2), new(SegmentKind.Tool, 8, 2, 2),
                new(SegmentKind.Policy, 10, 3, 3),
            ],
            Messages =
            [
                new("user", "Where is order W1?"),
                new("assistant", "") { ToolCalls = [new ChatToolCall("lookup", new JsonObject { ["id"] = "W1" })] },
                new("tool", error),
                new("assistant", "") { ToolCalls = [new ChatToolCall("find_order", new JsonObject { ["id"] = "W1" })] },
                new("tool", result),
                new("assistant", answer),
            ],
            NumTurns = 3, ToolCalls = 2, ToolErrors = 1, Termination = TerminationReason.Answered,
            Score = new EpisodeScore(0, false, new Dictionary<string, double>()), StepRewards = [],
        };
        // Turn ends at response indices 2 and 7; the failed turn scores 0 (ungated 0.5), the good one (1 + 1) / 2.
        Assert.Equal([(2, 0.0), (7, 1.0)], StepRewardRolloutStage.StepRewards(trajectory));
    }
}
