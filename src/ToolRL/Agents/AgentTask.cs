using System.Text.Json.Nodes;

namespace ToolRL.Agents;

/// <summary>
/// One task of an agent environment: an id (stable across runs, used to group trajectories and for pass^k) and the
/// environment's own description of it (user scenario, gold actions, what must be said, …).
/// </summary>
/// <param name="Id">Unique within its task set.</param>
/// <param name="Data">What the environment needs to set the task up and score it.</param>
public sealed record AgentTask(string Id, JsonObject Data);

/// <summary>Which task set: the one trained on, or the held-out one (built from another seed).</summary>
public enum TaskSplit
{
    /// <summary>Tasks trained on.</summary>
    Train,

    /// <summary>Held-out tasks for validation (pass^k).</summary>
    Validation,
}
