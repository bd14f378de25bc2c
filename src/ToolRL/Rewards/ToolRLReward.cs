using ToolRL.Rewards.Python;

namespace ToolRL.Rewards;

/// <summary>
/// The ToolRL reward ("ToolRL: Reward is All Tool Learning Needs", Qian et al. 2025), bit-exact with the
/// reference <c>compute_score</c> of rlla.py: total = format + correctness + length (docs/rewards.md).
/// Pure and thread-safe. Any response, however malformed, gets a score; only a ground truth the reference
/// itself would crash on throws (<see cref="ToolRLGroundTruth.Validate"/>).
/// </summary>
/// <example>
/// <code>
/// var gt = "&lt;think&gt; ... &lt;/think&gt;\n&lt;tool_call&gt;\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}\n&lt;/tool_call&gt;";
/// var score = ToolRLReward.Score(modelAnswer, gt, ToolRLRewardOptions.Default, step: 12);
/// Console.WriteLine($"{score.Total} = {score.Format} + {score.Correctness} + {score.Length}");
/// </code>
/// </example>
public static class ToolRLReward
{
    [ThreadStatic]
    private static ToolRLGroundTruth? _lastGroundTruth;

    /// <summary>
    /// Scores the assistant's <paramref name="response"/> (Python <c>str.strip</c> is applied, as the reference
    /// does to <c>predict_str</c>) against <paramref name="groundTruth"/>.
    /// </summary>
    /// <param name="response">The assistant turn only; use <see cref="ScoreConversation"/> for a whole decoded sequence.</param>
    /// <param name="groundTruth">The dataset's <c>reward_model.ground_truth</c>.</param>
    /// <param name="options">The reference switches.</param>
    /// <param name="step">The training step (1, 2, … in training, 0 for the validation before training); used by the schedules.</param>
    /// <exception cref="InvalidGroundTruthException">The ground truth would crash the reference.</exception>
    public static ToolRLScore Score(string response, string groundTruth, ToolRLRewardOptions options, int step = 0)
    {
        ArgumentNullException.ThrowIfNull(groundTruth);
        // A group of responses shares its GT: parse it once per thread.
        var parsed = _lastGroundTruth;
        if (parsed is null || !string.Equals(parsed.Text, groundTruth, StringComparison.Ordinal))
        {
            parsed = ToolRLGroundTruth.Parse(groundTruth);
            _lastGroundTruth = parsed;
        }
        return Score(response, parsed, options, step);
    }

    /// <summary>Scores <paramref name="response"/> against an already parsed ground truth.</summary>
    /// <exception cref="InvalidGroundTruthException">The ground truth would crash the reference.</exception>
    public static ToolRLScore Score(string response, ToolRLGroundTruth groundTruth, ToolRLRewardOptions options, int step = 0)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(options);
        var text = PyText.Strip(response);
        var formatBounds = RewardBounds.ForFormat(options, step);
        var format = FormatReward.IsWellFormed(text, groundTruth.HasToolCall, groundTruth.HasResponse) ? formatBounds.Max : formatBounds.Min;
        var correctness = CorrectnessReward.Score(text, groundTruth, options, step);
        var length = options.WithLength ? LengthReward.Score(text, options, step) : 0.0;
        return new ToolRLScore(format, correctness, length, format + correctness + length);
    }

    /// <summary>
    /// Scores a whole decoded prompt+response sequence as training does (<c>main_ppo.py</c> l.61-89): the
    /// assistant turn is cut out with <see cref="ChatResponse.Extract"/> using <see cref="ToolRLRewardOptions.ChatFormat"/>.
    /// </summary>
    public static ToolRLScore ScoreConversation(string decodedConversation, string groundTruth, ToolRLRewardOptions options, int step = 0) =>
        Score(ChatResponse.Extract(decodedConversation, options.ChatFormat), groundTruth, options, step);
}
