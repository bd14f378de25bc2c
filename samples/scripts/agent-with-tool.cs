#:package ToolRL@0.1.0
#:property PublishAot=false
// An agent trained with GRPO in the retail environment (multi-turn: the model calls tools, reads their results,
// answers the simulated customer; tiny-agent.json), with one tool of your own beside the environment's: any C#
// method becomes an AIFunction (Microsoft.Extensions.AI); a call to it runs it, its result (or error) is what the
// model reads next. The run warms up on the environment's gold trajectories (sft), then reports pass^k before/after.
//   dotnet run samples/scripts/agent-with-tool.cs        (from the repository root, after packing; see README.md)
using Microsoft.Extensions.AI;
using ToolRL.Training;

var calls = 0;
var today = AIFunctionFactory.Create(() => { Interlocked.Increment(ref calls); return "2026-12-07"; }, "today", "Today's date, YYYY-MM-DD.");

var result = await Train.GrpoAsync(new()
{
    Config = "samples/scripts/tiny-agent.json",
    Tools = [today],
    Start = new() { Overwrite = true },
    Hooks = new() { OnStep = step => Console.WriteLine($"{step.Phase} {step.Step}/{step.TotalSteps} reward={step["critic/score/mean"]:R} " +
        $"turns={step["agent/num_turns/mean"]:R} tool_calls={step["agent/tool_calls/mean"]:R}") },
});
foreach (var (phase, evaluation) in new[] { ("before", result.AgentBefore), ("after", result.AgentAfter) })
{
    Console.WriteLine($"{phase} pass^1={evaluation?.Metrics["val/agent/pass^1"]:R} pass^2={evaluation?.Metrics["val/agent/pass^2"]:R}");
}
Console.WriteLine($"today was called {calls} time(s); run in {result.OutputDir}");
