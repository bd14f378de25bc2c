namespace ToolRL.Training.Reporting;

/// <summary>One chart of the HTML report: a title and the metric series drawn on it against the step.</summary>
/// <param name="Title">The chart heading, e.g. "Reward".</param>
/// <param name="Series">The lines: a legend label and the metric name it reads (e.g. <c>critic/score/mean</c>).</param>
public sealed record ChartSpec(string Title, IReadOnlyList<(string Label, string Metric)> Series)
{
    /// <summary>
    /// The report's standard charts: reward, format, correctness, response length, KL and loss over steps,
    /// each with the training-batch series and, where it exists, the held-out (validation) series.
    /// </summary>
    public static IReadOnlyList<ChartSpec> Standard { get; } =
    [
        new("Reward", [("train score", "critic/score/mean"), ("held-out", "val/reward/mean")]),
        new("Format reward", [("train", "rewards/toolrl/format/mean"), ("held-out", "val/format/mean")]),
        new("Correctness reward", [("train", "rewards/toolrl/correctness/mean"), ("held-out", "val/correctness/mean"), ("held-out exact match", "val/tool_call_exact_match")]),
        new("Response length (tokens)", [("mean", "response_length/mean"), ("max", "response_length/max")]),
        new("KL", [("ppo_kl (old vs new)", "actor/ppo_kl"), ("reward KL penalty", "actor/reward_kl_penalty"), ("KL loss", "actor/kl_loss")]),
        new("Loss", [("policy loss", "actor/pg_loss"), ("value loss", "critic/vf_loss"), ("SFT loss", "sft/loss")]),
        new("Critic explained variance", [("explained var", "critic/vf_explained_var")]),
        new("Entropy and gradient norm", [("entropy", "actor/entropy"), ("grad norm", "actor/grad_norm")]),
    ];
}
