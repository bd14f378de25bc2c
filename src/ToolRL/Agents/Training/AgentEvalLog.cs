using System.Text.Json.Nodes;
using ToolRL.Agents.Rollout;
using ToolRL.Torch.IO;

namespace ToolRL.Agents.Training;

/// <summary>
/// The held-out trajectories of one evaluation, one JSON line each, in <c>agent_eval/{phase}.jsonl</c>: the task, the
/// trial, the outcome (reward, its components, why the episode ended) and every message after the system prompt, so
/// a reader can see which tool or argument failed.
/// </summary>
internal static class AgentEvalLog
{
    /// <summary>The folder under a run's output folder.</summary>
    public const string FolderName = "agent_eval";

    /// <summary>Writes <paramref name="trajectories"/> atomically and returns the file's path.</summary>
    public static string Write(string outputDir, string phase, IReadOnlyList<AgentTrajectory> trajectories)
    {
        var path = Path.Combine(outputDir, FolderName, $"{phase}.jsonl");
        JsonLines.Write(path, trajectories.Select(Row));
        return path;
    }

    private static JsonObject Row(AgentTrajectory t)
    {
        var row = new JsonObject
        {
            ["task"] = t.Task.Id,
            ["kind"] = t.Task.Data["kind"]?.DeepClone(),
            ["trial"] = t.SampleIndex,
            ["success"] = t.Score.Success,
            ["reward"] = t.Score.Reward,
            ["termination"] = t.Termination.ToString(),
            ["tool_calls"] = t.ToolCalls,
            ["tool_errors"] = t.ToolErrors,
        };
        foreach (var (name, value) in t.Score.Components)
        {
            row[name] = value;
        }
        row["messages"] = new JsonArray([.. t.Messages.Where(m => m.Role != "system").Select(m => (JsonNode?)Message(m))]);
        return row;
    }

    private static JsonObject Message(Tokenization.ChatMessage m)
    {
        var json = new JsonObject { ["role"] = m.Role, ["content"] = m.Content };
        if (m.ToolCalls is { Count: > 0 } calls)
        {
            json["tool_calls"] = new JsonArray([.. calls.Select(c => (JsonNode?)new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments.DeepClone() })]);
        }
        return json;
    }
}
