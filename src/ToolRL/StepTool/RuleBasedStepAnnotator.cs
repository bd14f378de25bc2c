using System.Text.Json.Nodes;

namespace ToolRL.StepTool;

/// <summary>
/// StepTool's rule-based step annotator (<c>src/reward/annotation_by_rules.ipynb</c>), for trajectories without a
/// judge: per intermediate tool call, <b>SuccCalling</b> (the tool answered without error) and <b>Contribution</b>
/// (its output shows up in the final answer), combined into the step's score (succ + contribution) / 2, where a failed
/// call earns no contribution (a gate StepTool's rules lack; <see cref="CallScore"/>); the final
/// step's score is the episode's outcome. (The authors' GPT-4 annotations combine as (succ + contribution/5) / 2 with
/// contribution 0–5; the rule gives 0 or 1, so the scale is 1.)
/// </summary>
public static class RuleBasedStepAnnotator
{
    /// <summary>StepTool's contribution threshold on len(LCS(output, answer)) / len(output).</summary>
    public const double DefaultContributionThreshold = 0.3;

    /// <summary>
    /// SuccCalling: the observation parses and passes StepTool's checks: an <c>error</c> field, if any, is empty; a
    /// dict response has no <c>status</c> 400; lists, booleans and numbers succeed; a string response fails when it
    /// contains "wrong", "error" or "is empty", or starts with "Please". Text that is not JSON is judged as a string.
    /// </summary>
    public static bool Succeeded(string observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(observation);
        }
        catch (System.Text.Json.JsonException)
        {
            return StringSucceeds(observation);
        }
        if (node is JsonObject o)
        {
            if (o["error"] is JsonNode error && !(error is JsonValue v && v.TryGetValue<string>(out var text) && text.Length == 0))
            {
                return false;
            }
            // StepTool's observations wrap the result: {"error": "", "response": …}.
            if (o.ContainsKey("response"))
            {
                return ResponseSucceeds(o["response"]);
            }
        }
        return ResponseSucceeds(node);
    }

    private static bool ResponseSucceeds(JsonNode? response) => response switch
    {
        JsonObject dict => !(dict["status"] is JsonValue status && status.TryGetValue<double>(out var code) && code == 400),
        JsonValue value when value.TryGetValue<string>(out var text) => StringSucceeds(text),
        _ => true,   // lists, booleans, numbers, null
    };

    private static bool StringSucceeds(string text) =>
        !(text.Contains("wrong", StringComparison.OrdinalIgnoreCase) || text.Contains("error", StringComparison.OrdinalIgnoreCase)
          || text.Contains("is empty", StringComparison.OrdinalIgnoreCase) || text.StartsWith("Please", StringComparison.Ordinal));

    /// <summary>Contribution: 1 when len(LCS(observation, finalAnswer)) / len(observation) ≥ <paramref name="threshold"/>, else 0.</summary>
    public static bool Contributed(string observation, string finalAnswer, double threshold = DefaultContributionThreshold)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(finalAnswer);
        return observation.Length > 0 && (double)LongestCommonSubsequence(observation, finalAnswer) / observation.Length >= threshold;
    }

    /// <summary>
    /// The score of an intermediate step: the mean over its calls of <see cref="CallScore"/>, (succ + contribution) / 2
    /// with contribution counted only for a call that succeeded.
    /// </summary>
    public static double StepScore(IReadOnlyList<string> observations, string finalAnswer, double threshold = DefaultContributionThreshold)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Count == 0)
        {
            return 0;
        }
        return observations.Average(o => CallScore(o, finalAnswer, threshold));
    }

    /// <summary>
    /// The score of one call: (1 + contribution) / 2 when it <see cref="Succeeded"/>, else 0. StepTool's notebook
    /// scores contribution for failed calls too; here a failed call (an error observation, an unreadable call block,
    /// an unknown tool) earns no contribution credit, because a policy whose calls fail learned to echo the error text
    /// in its answer to collect it (docs/steptool.md).
    /// </summary>
    public static double CallScore(string observation, string finalAnswer, double threshold = DefaultContributionThreshold)
    {
        ArgumentNullException.ThrowIfNull(finalAnswer);
        return Succeeded(observation) ? (1 + (Contributed(observation, finalAnswer, threshold) ? 1.0 : 0.0)) / 2 : 0;
    }

    /// <summary>The length of the longest common subsequence of two strings (characters, O(|a|·|b|) time, O(|b|) memory).</summary>
    public static int LongestCommonSubsequence(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        foreach (var ca in a)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = ca == b[j - 1] ? previous[j - 1] + 1 : Math.Max(previous[j], current[j - 1]);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
