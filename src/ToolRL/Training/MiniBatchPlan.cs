namespace ToolRL.Training;

/// <summary>
/// How a step's responses are cut for the update, verl semantics (rl-algorithms.md §5.1): <c>ppo_mini_batch_size</c>
/// counts prompts, so a mini-batch holds <c>mini × n</c> responses and is one optimizer step; it is processed in
/// micro-batches of <c>ppo_micro_batch_size</c> responses whose gradients accumulate. Groups (the n responses of
/// one prompt) are kept together in a mini-batch.
/// </summary>
public static class MiniBatchPlan
{
    /// <summary>
    /// Splits response indices <c>0 … prompts·n − 1</c> (grouped: prompt p owns <c>p·n … p·n+n−1</c>) into mini-batches of
    /// micro-batches. <paramref name="promptOrder"/> optionally permutes the prompts first (verl's shuffle).
    /// </summary>
    /// <returns>mini-batches → micro-batches → response indices.</returns>
    public static IReadOnlyList<IReadOnlyList<int[]>> Split(int prompts, int n, int miniBatchPrompts, int microBatchResponses, IReadOnlyList<int>? promptOrder = null)
    {
        if (prompts < 1 || n < 1 || miniBatchPrompts < 1 || microBatchResponses < 1)
        {
            throw new ArgumentException($"sizes must be positive (prompts {prompts}, n {n}, mini-batch {miniBatchPrompts}, micro-batch {microBatchResponses})");
        }
        if (prompts % miniBatchPrompts != 0)
        {
            throw new ArgumentException($"batch_size {prompts} is not a multiple of ppo_mini_batch_size {miniBatchPrompts}; choose a divisor");
        }
        var order = promptOrder ?? Enumerable.Range(0, prompts).ToArray();
        if (order.Count != prompts)
        {
            throw new ArgumentException($"promptOrder has {order.Count} entries for {prompts} prompts");
        }
        var minis = new List<IReadOnlyList<int[]>>();
        for (var start = 0; start < prompts; start += miniBatchPrompts)
        {
            var responses = order.Skip(start).Take(miniBatchPrompts).SelectMany(p => Enumerable.Range(p * n, n)).ToArray();
            minis.Add(responses.Chunk(microBatchResponses).ToList());
        }
        return minis;
    }
}
