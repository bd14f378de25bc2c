namespace ToolRL.Training;

/// <summary>
/// How a step's trajectories are cut for the update, verl semantics (<c>dp_actor.py</c> <c>update_policy</c>): <c>ppo_mini_batch_size</c>
/// counts prompts (groups), so a mini-batch holds the trajectories of that many groups and is one optimizer step; it
/// is processed in micro-batches of <c>ppo_micro_batch_size</c> trajectories whose gradients accumulate. A group (the
/// n trajectories of one prompt or task) is kept together in a mini-batch.
/// </summary>
internal static class MiniBatchPlan
{
    /// <summary>
    /// Splits trajectory indices <c>0 … N − 1</c> into mini-batches of micro-batches: groups in order of first
    /// appearance, <paramref name="miniBatchGroups"/> groups per mini-batch (the last may hold fewer), each group's
    /// trajectories in their order. For the usual layout (prompt p owns <c>p·n … p·n+n−1</c>) the mini-batches are
    /// consecutive runs of <c>miniBatchGroups·n</c> indices.
    /// </summary>
    /// <returns>mini-batches → micro-batches → trajectory indices.</returns>
    public static IReadOnlyList<IReadOnlyList<int[]>> ByGroup(IReadOnlyList<long> groupIds, int miniBatchGroups, int microBatchSize)
    {
        if (groupIds.Count == 0 || miniBatchGroups < 1 || microBatchSize < 1)
        {
            throw new ArgumentException($"sizes must be positive ({groupIds.Count} trajectories, mini-batch {miniBatchGroups} groups, micro-batch {microBatchSize})");
        }
        var groups = Enumerable.Range(0, groupIds.Count).GroupBy(i => groupIds[i]).Select(g => g.ToArray()).ToList();
        var minis = new List<IReadOnlyList<int[]>>();
        for (var start = 0; start < groups.Count; start += miniBatchGroups)
        {
            var members = groups.Skip(start).Take(miniBatchGroups).SelectMany(g => g).ToArray();
            minis.Add(members.Chunk(microBatchSize).ToList());
        }
        return minis;
    }
}
