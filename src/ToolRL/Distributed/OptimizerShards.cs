using System.Globalization;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Distributed;

/// <summary>
/// ZeRO stage 1 bookkeeping: which rank owns (keeps the AdamW moments of, and updates) each parameter. Parameters are
/// dealt largest first to the least-loaded rank, so every rank computes the same assignment and holds about 1/N of the
/// optimizer state. After the owners' AdamW steps, each parameter is broadcast from its owner (the "all-gather" of the
/// updated parameters). Checkpoints stay whole: <see cref="Gather"/> collects every moment on every rank in the
/// unsharded key layout (<c>step</c>, <c>exp_avg.{i}</c>, <c>exp_avg_sq.{i}</c>), and <see cref="Slice"/> takes this rank's
/// part of such a state, so a sharded run resumes at any world size, sharded or not.
/// </summary>
public sealed class OptimizerShards
{
    private readonly ProcessGroup _group;
    private readonly Parameter[] _parameters;
    private readonly int[] _owner;

    /// <summary>Assigns <paramref name="parameters"/> to the ranks of <paramref name="group"/>.</summary>
    public OptimizerShards(ProcessGroup group, IReadOnlyList<Parameter> parameters)
    {
        _group = group ?? throw new ArgumentNullException(nameof(group));
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        _owner = Assign(_parameters.Select(p => p.NumEl).ToArray(), group.WorldSize);
    }

    /// <summary>The parameters this rank owns, in their original order.</summary>
    public IReadOnlyList<Parameter> Owned => _parameters.Where((_, i) => _owner[i] == _group.Rank).ToArray();

    /// <summary>The owner rank of each parameter: largest first, each to the rank with the fewest elements so far (ties: lowest rank).</summary>
    public static int[] Assign(IReadOnlyList<long> sizes, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        var owner = new int[sizes.Count];
        var load = new long[worldSize];
        foreach (var i in Enumerable.Range(0, sizes.Count).OrderByDescending(i => sizes[i]).ThenBy(i => i))
        {
            var rank = Array.IndexOf(load, load.Min());
            owner[i] = rank;
            load[rank] += sizes[i];
        }
        return owner;
    }

    /// <summary>Every rank receives each parameter's values from its owner (after the owners stepped).</summary>
    public void BroadcastParameters()
    {
        using var noGrad = NoGrad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            _group.Broadcast(_parameters[i], _owner[i]);
        }
    }

    /// <summary>
    /// The whole optimizer state on every rank (a collective: every rank calls it), from this rank's
    /// <paramref name="local"/> state (its owned parameters numbered 0..k-1, as its AdamW numbers them).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Gather(IReadOnlyDictionary<string, Tensor>? local, long step)
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["step"] = Scalar(step, DType.Int64) };
        var localIndex = 0;
        using var noGrad = NoGrad();
        for (var i = 0; i < _parameters.Length; i++)
        {
            var mine = _owner[i] == _group.Rank;
            foreach (var kind in new[] { "exp_avg", "exp_avg_sq" })
            {
                var t = mine ? local![Key(kind, localIndex)] : ZerosLike(_parameters[i]);
                _group.Broadcast(t, _owner[i]);
                state[Key(kind, i)] = t;
            }
            if (mine)
            {
                localIndex++;
            }
        }
        return state;
    }

    /// <summary>This rank's part of a whole state (as <see cref="Gather"/> returns or an unsharded run saved), renumbered for its AdamW.</summary>
    public IReadOnlyDictionary<string, Tensor> Slice(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var local = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["step"] = state["step"] };
        var localIndex = 0;
        for (var i = 0; i < _parameters.Length; i++)
        {
            if (_owner[i] != _group.Rank)
            {
                continue;
            }
            foreach (var kind in new[] { "exp_avg", "exp_avg_sq" })
            {
                local[Key(kind, localIndex)] = state.TryGetValue(Key(kind, i), out var t) ? t
                    : throw new ArgumentException($"optimizer state has no '{Key(kind, i)}' entry (different parameter list?)", nameof(state));
            }
            localIndex++;
        }
        return local;
    }

    private static string Key(string kind, int i) => kind + "." + i.ToString(CultureInfo.InvariantCulture);
}
