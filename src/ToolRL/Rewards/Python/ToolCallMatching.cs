namespace ToolRL.Rewards.Python;

/// <summary>
/// The reference's <c>compute_tool_call_reward</c> (rlla.py l.131-198): exact match, COARSEREWARD, name
/// Jaccard, then greedy per-GT-call matching of parameter keys and values, normalised by S_max.
/// Returns null wherever Python would raise inside it (the caller's bare <c>except</c> then gives cmin):
/// a call that is not a dict or has no <c>"name"</c>, a GT call without <c>"parameters"</c> or whose
/// parameters have no <c>len</c>, a same-name predicted call whose parameters are missing or not a dict,
/// unhashable names reaching <c>Counter</c>.
/// </summary>
internal static class ToolCallMatching
{
    /// <summary>The correctness in [cmin, cmax] for predicted calls <paramref name="predicted"/>, or null if Python raises.</summary>
    public static double? Score(
        IReadOnlyList<PyValue> groundTruth, IReadOnlyList<PyValue> predicted, double cmax, double cmin, ToolRLRewardOptions options)
    {
        if (PyEquality.ListsEqual(groundTruth, predicted))
        {
            return cmax; // l.132-135: exact match, call order matters, dict key order does not
        }
        if (options.CoarseReward)
        {
            return cmin; // l.137-140: no partial credit
        }
        var gtNames = Names(groundTruth);
        var predictedNames = Names(predicted);
        if (gtNames is null || predictedNames is null)
        {
            return null; // KeyError / TypeError on tool["name"]
        }
        var nameScore = MatchScore.OfValues(gtNames, predictedNames, options.RefinedReward);
        if (nameScore is not double score)
        {
            return null;
        }

        var maxScore = 1.0;
        var used = new bool[predicted.Count];
        for (var g = 0; g < groundTruth.Count; g++)
        {
            var gtCall = groundTruth[g].Dict!;
            var gtParams = gtCall.Get("parameters");
            if (gtParams is null)
            {
                return null; // KeyError: gt_tool["parameters"] is read even under INTERMEDIATEREWARD
            }
            if (options.IntermediateReward)
            {
                maxScore += 1.0;
            }
            else if (gtParams.PythonLength is int length)
            {
                maxScore += 1.0 + length;
            }
            else
            {
                return null; // TypeError: len() of None/bool/int/float
            }

            var best = FindBestCandidate(groundTruth[g], gtParams, gtNames[g], predicted, predictedNames, used, options);
            if (best.Failed)
            {
                return null;
            }
            if (best.Index >= 0)
            {
                used[best.Index] = true;
                score += best.Score;
            }
        }
        return (cmax - cmin) * score / maxScore + cmin; // l.198
    }

    private readonly record struct Candidate(int Index, double Score, bool Failed);

    // l.159-188: the first unused same-name call with the strictly largest score above 0.0.
    private static Candidate FindBestCandidate(
        PyValue gtCall, PyValue gtParams, PyValue gtName, IReadOnlyList<PyValue> predicted,
        IReadOnlyList<PyValue> predictedNames, bool[] used, ToolRLRewardOptions options)
    {
        var bestIndex = -1;
        var bestScore = 0.0;
        for (var i = 0; i < predicted.Count; i++)
        {
            // `pd_tool["name"] != gt_name` is a direct comparison: nan != nan at the top level.
            if (used[i] || !PyEquality.Equal(predictedNames[i], gtName, inContainer: false))
            {
                continue;
            }
            if (options.IntermediateReward)
            {
                // l.168-175: all or nothing on the whole call; p["parameters"] is never read.
                if (PyEquality.DictsEqual(gtCall.Dict!, predicted[i].Dict!))
                {
                    return new Candidate(i, 1.0, false);
                }
                continue;
            }
            var predictedParams = predicted[i].Dict!.Get("parameters");
            if (gtParams.Kind != PyKind.Dict || predictedParams is null || predictedParams.Kind != PyKind.Dict)
            {
                return new Candidate(-1, 0, true); // KeyError / AttributeError on .keys()
            }
            var total = ParameterScore(gtParams.Dict!, predictedParams.Dict!, options.RefinedReward);
            if (total > bestScore)
            {
                bestScore = total;
                bestIndex = i;
            }
        }
        return new Candidate(bestIndex, bestScore, false);
    }

    // l.177-183: key Jaccard + the number of GT parameters whose value the prediction matches (direct ==).
    private static double ParameterScore(PyDict gtParams, PyDict predictedParams, bool refined)
    {
        var keyScore = MatchScore.OfKeys(gtParams.Keys, predictedParams.Keys, refined);
        var matchingValues = 0.0;
        for (var k = 0; k < gtParams.Count; k++)
        {
            var predictedValue = predictedParams.Get(gtParams.Keys[k]);
            if (predictedValue is not null && PyEquality.Equal(predictedValue, gtParams.Values[k], inContainer: false))
            {
                matchingValues += 1.0;
            }
        }
        return keyScore + matchingValues;
    }

    // `[tool["name"] for tool in tools]`: null when an item is not a dict or lacks "name".
    private static IReadOnlyList<PyValue>? Names(IReadOnlyList<PyValue> calls)
    {
        var names = new PyValue[calls.Count];
        for (var i = 0; i < calls.Count; i++)
        {
            if (calls[i].Dict?.Get("name") is not PyValue name)
            {
                return null;
            }
            names[i] = name;
        }
        return names;
    }
}
