namespace ToolRL.Rewards.Python;

/// <summary>
/// The reference's <c>compute_tool_call_reward</c> (rlla.py l.131-198), fed one predicted call at a time so
/// that a response with millions of tool-call lines needs memory for the GT's size, not the response's.
/// <para>
/// Reference algorithm: exact match → cmax; COARSEREWARD → cmin; score = match_score(GT names, predicted
/// names); then for each GT call g in order, among the UNUSED predicted calls p with <c>p["name"] == g["name"]</c>,
/// take the first with the strictly largest s &gt; 0 (default: key Jaccard + matching values; INTERMEDIATEREWARD:
/// 1 if p == g, first one wins) and add s; result <c>(cmax − cmin)·score/S_max + cmin</c>. Anything raising
/// inside gives cmin (null here).
/// </para>
/// <para>
/// Streaming form, equivalent: a candidate's score against g does not depend on the other GT calls, and
/// before g is processed at most (index of g) candidates have been consumed, so the best unused candidate
/// of g is among its |G| best by (score desc, index asc). Each GT call keeps that short list. Predicted
/// names are counted for the Jaccard (lists longer than |G| cannot equal the GT's, so only the counts
/// matter). Errors are order-free (every one gives cmin), and once more than |G| calls are seen an exact
/// match is impossible, so a certain cmin stops reading early (<see cref="Add"/> returns false).
/// </para>
/// </summary>
internal sealed class ToolCallMatching
{
    private readonly GroundTruthCalls _gt;
    private readonly bool _intermediate;
    private readonly bool _refined;
    private readonly bool _coarse;
    private readonly List<PyValue> _firstCalls = [];     // the first |G| + 1 predicted calls, for exact match
    private Dictionary<PyValue, int>? _nameCounts;      // predicted names, once there are more than |G|
    private readonly List<(int Index, double Score, PyValue Name)>[] _best;
    private readonly int[] _sameName;                   // predicted calls named like GT call j
        private int _count;
    private bool _failed;              // something raised that an exact match cannot rescue
    private bool _unhashableName;

    public ToolCallMatching(GroundTruthCalls groundTruth, ToolRLRewardOptions options)
    {
        _gt = groundTruth;
        _intermediate = options.IntermediateReward;
        _refined = options.RefinedReward;
        _coarse = options.CoarseReward;
        _best = new List<(int, double, PyValue)>[groundTruth.Calls.Count];
        _sameName = new int[groundTruth.Calls.Count];
        _failed = groundTruth.FailsOutsideExactMatch || (!_intermediate && groundTruth.FailsWithoutIntermediate);
    }

    private bool ExactMatchImpossible => _count > _gt.Calls.Count;

    /// <summary>Takes the next predicted call; false when the result is certainly cmin and reading can stop.</summary>
    public bool Add(PyValue call)
    {
        var index = _count++;
        if (index <= _gt.Calls.Count)
        {
            _firstCalls.Add(call);
        }
        if (!_failed)
        {
            Score(call, index);
        }
        return !(ExactMatchImpossible && (_failed || _coarse));
    }

    /// <summary>The correctness after the last call, or null where Python raises.</summary>
    public double? Finish(double cmax, double cmin)
    {
        if (!ExactMatchImpossible && PyEquality.ListsEqual(_gt.Calls, _firstCalls))
        {
            return cmax; // l.132-135: call order matters, dict key order does not
        }
        if (_coarse)
        {
            return cmin; // l.137-140
        }
        if (_failed)
        {
            return null;
        }
        var nameScore = NameScore();
        if (nameScore is not double score)
        {
            return null;
        }
        var used = new List<(int Index, PyValue Name)>(_gt.Calls.Count);
        for (var j = 0; j < _gt.Calls.Count; j++)
        {
            if (!_intermediate && _gt.Parameters[j]!.Kind != PyKind.Dict)
            {
                // gt_params.keys() raises as soon as one unused same-name candidate is looked at.
                if (_sameName[j] > UsedWithName(used, _gt.Names[j]))
                {
                    return null;
                }
                continue;
            }
            foreach (var (index, candidateScore, name) in _best[j] ?? [])
            {
                if (!IsUsed(used, index))
                {
                    used.Add((index, name));
                    score += candidateScore;
                    break;
                }
            }
        }
        var maxScore = 1.0 + _gt.Calls.Count + (_intermediate ? 0 : _gt.ParameterCount);
        return (cmax - cmin) * score / maxScore + cmin; // l.198
    }

    private static bool IsUsed(List<(int Index, PyValue Name)> used, int index)
    {
        foreach (var u in used)
        {
            if (u.Index == index)
            {
                return true;
            }
        }
        return false;
    }

    private static int UsedWithName(List<(int Index, PyValue Name)> used, PyValue name)
    {
        var count = 0;
        foreach (var u in used)
        {
            if (PyEquality.Equal(u.Name, name, inContainer: false))
            {
                count++;
            }
        }
        return count;
    }

    private void Score(PyValue call, int index)
    {
        var name = call.Dict?.Get("name");
        if (name is null)
        {
            _failed = true; // [p["name"] for p in pd_tools]: TypeError / KeyError
            return;
        }
        CountName(name, index);
        for (var j = 0; j < _gt.Calls.Count; j++)
        {
            // `pd_tool["name"] != gt_name` is a direct comparison: nan != nan at the top level.
            if (!PyEquality.Equal(name, _gt.Names[j], inContainer: false))
            {
                continue;
            }
            _sameName[j]++;
            if (_intermediate)
            {
                // l.168-175: the whole call must be equal; p["parameters"] is never read.
                if (PyEquality.DictsEqual(_gt.Calls[j].Dict!, call.Dict!))
                {
                    Offer(j, index, 1.0, name);
                }
                continue;
            }
            var parameters = call.Dict!.Get("parameters");
            if (parameters is null || parameters.Kind != PyKind.Dict)
            {
                _failed = true; // KeyError / AttributeError: this candidate is looked at and cannot have been used
                return;
            }
            if (_gt.Parameters[j]!.Kind == PyKind.Dict)
            {
                Offer(j, index, ParameterScore(_gt.Parameters[j]!.Dict!, parameters.Dict!), name);
            }
        }
    }

    // Counter(pd_names) is only needed when the name lists cannot be equal (more calls than the GT has).
    private void CountName(PyValue name, int index)
    {
        if (index < _gt.Calls.Count)
        {
            return;
        }
        if (_nameCounts is null)
        {
            _nameCounts = new Dictionary<PyValue, int>(PyKeyComparer.Instance);
            for (var i = 0; i < index; i++)
            {
                Count(_firstCalls[i].Dict!.Get("name")!);
            }
        }
        Count(name);

        void Count(PyValue n)
        {
            if (n.Kind is PyKind.List or PyKind.Dict)
            {
                _unhashableName = true;
            }
            else
            {
                _nameCounts[n] = _nameCounts.GetValueOrDefault(n) + 1;
            }
        }
    }

    // Keeps GT call j's |G| best candidates by (score desc, index asc); a score of 0 is never selected.
    private void Offer(int j, int index, double score, PyValue name)
    {
        if (score <= 0.0)
        {
            return;
        }
        var best = _best[j] ??= [];
        var at = best.Count;
        while (at > 0 && best[at - 1].Score < score)
        {
            at--; // indices arrive in increasing order, so ties stay behind earlier candidates
        }
        if (at >= _gt.Calls.Count)
        {
            return;
        }
        best.Insert(at, (index, score, name));
        if (best.Count > _gt.Calls.Count)
        {
            best.RemoveAt(best.Count - 1);
        }
    }

    // l.177-183: key Jaccard + the number of GT parameters whose value the prediction matches (direct ==).
    private double ParameterScore(PyDict gtParams, PyDict predictedParams)
    {
        var keyScore = MatchScore.OfKeys(gtParams.KeySpan, predictedParams.KeySpan, _refined);
        var matchingValues = 0.0;
        for (var k = 0; k < gtParams.Count; k++)
        {
            var predictedValue = predictedParams.Get(gtParams.KeyAt(k));
            if (predictedValue is not null && PyEquality.Equal(predictedValue, gtParams.ValueAt(k), inContainer: false))
            {
                matchingValues += 1.0;
            }
        }
        return keyScore + matchingValues;
    }

    // match_score(gt_names, pd_names): with at most |G| calls the lists themselves are compared; beyond
    // that they cannot be equal and only the Counter matters.
    private double? NameScore()
    {
        if (!ExactMatchImpossible)
        {
            var predictedNames = new PyValue[_firstCalls.Count];
            for (var i = 0; i < predictedNames.Length; i++)
            {
                predictedNames[i] = _firstCalls[i].Dict!.Get("name")!;
            }
            return MatchScore.OfValues(_gt.Names, predictedNames, _refined);
        }
        if (_refined)
        {
            return 0.0;
        }
        if (_unhashableName || !_gt.NamesHashable)
        {
            return null; // Counter: unhashable type
        }
        return MatchScore.JaccardOfCounts(_gt.Names, _nameCounts!, _count);
    }
}
