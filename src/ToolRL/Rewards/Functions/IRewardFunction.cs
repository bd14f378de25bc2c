namespace ToolRL.Rewards;

/// <summary>
/// A reward function: scores a batch of generated samples, each with its context. This is the extension
/// point for users; register an implementation in a <see cref="RewardRegistry"/> so a JSON config can pick
/// it by <see cref="Name"/>, and combine several with <see cref="WeightedReward"/>.
/// </summary>
/// <remarks>
/// Return one value per sample, in batch order; <c>null</c> means "not applicable to this sample" (TRL's
/// <c>None</c>): it is left out of the weighted sum and of the metrics. The trainer logs
/// <c>rewards/{Name}/mean</c> and <c>rewards/{Name}/std</c> (<see cref="RewardMetrics"/>). Implementations must
/// be thread-safe if one instance is shared between trainers, and should never throw on model output.
/// </remarks>
/// <example>
/// A reward for answers that call no more than one tool, applicable only to rows whose extra fields ask for it:
/// <code>
/// public sealed class SingleCallReward : IRewardFunction
/// {
///     public string Name => "single_call";
///
///     public RewardOutput Score(IReadOnlyList&lt;RewardSample&gt; batch) =&gt;
///         batch.Select(sample =&gt; sample.Extra?["single_call"] is null
///                 ? (double?)null                                   // not applicable
///                 : sample.ToolCalls.Count &lt;= 1 ? 1.0 : 0.0)
///              .ToArray();                                          // double?[] converts to RewardOutput
/// }
///
/// RewardRegistry.Default.Register("single_call", _ =&gt; new SingleCallReward());
/// var reward = RewardRegistry.Default.Create(JsonNode.Parse("""
///     [{"name": "toolrl", "weight": 1.0}, {"name": "single_call", "weight": 0.5}]
///     """)!);
/// </code>
/// </example>
public interface IRewardFunction
{
    /// <summary>The function's name, used in configs and metrics (<c>rewards/{Name}/mean</c>).</summary>
    string Name { get; }

    /// <summary>Scores every sample of <paramref name="batch"/>; one value (or null) per sample, in order.</summary>
    RewardOutput Score(IReadOnlyList<RewardSample> batch);
}
