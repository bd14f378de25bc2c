namespace ToolRL.Configuration.Planning;

/// <summary>One line of a memory estimate.</summary>
/// <param name="Category">weights, gradients, optimizer state, activations or KV cache.</param>
/// <param name="Component">Which model or buffer (policy, reference, critic, logits, ...).</param>
/// <param name="Bytes">Bytes per device.</param>
/// <param name="Basis">How it was computed, for the reader to check.</param>
public sealed record MemoryItem(string Category, string Component, long Bytes, string Basis);

/// <summary>An estimate of peak memory per device for a training step, from shapes alone.</summary>
/// <param name="Items">The components.</param>
public sealed record MemoryEstimate(IReadOnlyList<MemoryItem> Items)
{
    /// <summary>Bytes per category, in the order weights, gradients, optimizer state, activations, KV cache.</summary>
    public IReadOnlyList<(string Category, long Bytes)> ByCategory =>
        Items.GroupBy(i => i.Category).Select(g => (g.Key, g.Sum(i => i.Bytes))).ToArray();

    /// <summary>
    /// Peak estimate: training state plus the larger of the update-phase activations and the rollout-phase KV
    /// cache (generation and the update do not overlap in a step).
    /// </summary>
    public long PeakBytes
    {
        get
        {
            long Sum(string category) => Items.Where(i => i.Category == category).Sum(i => i.Bytes);
            return Sum(MemoryCategories.Weights) + Sum(MemoryCategories.Gradients) + Sum(MemoryCategories.Optimizer)
                + Math.Max(Sum(MemoryCategories.Activations), Sum(MemoryCategories.KvCache));
        }
    }

    /// <summary>The memory of an 80 GB accelerator (A100/H100 80GB: 80 GiB), the yardstick <c>toolrl plan</c> reports against.</summary>
    public const long Device80GiB = 80L << 30;

    /// <summary>Human-readable size (GiB/MiB/KiB).</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):F1} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>The category names of <see cref="MemoryItem"/>.</summary>
public static class MemoryCategories
{
    /// <summary>Model weights.</summary>
    public const string Weights = "weights";
    /// <summary>Gradients of trainable weights.</summary>
    public const string Gradients = "gradients";
    /// <summary>AdamW moments (two per trainable parameter, in the parameters' dtype).</summary>
    public const string Optimizer = "optimizer state";
    /// <summary>Activations kept for backward in one micro-batch.</summary>
    public const string Activations = "activations";
    /// <summary>Key/value cache during generation.</summary>
    public const string KvCache = "KV cache";
}
