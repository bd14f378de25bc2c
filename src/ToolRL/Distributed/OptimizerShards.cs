using System.Globalization;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Distributed;

/// <summary>
/// ZeRO stage 1 over flat slices: the trained parameters, laid end to end in their order as one vector of E elements,
/// are cut into N contiguous ranges of ⌈E/N⌉ or ⌊E/N⌋ elements (<see cref="RankShare.Of(long, int, int)"/>), and rank r
/// keeps the AdamW moments of range r only: exactly 1/N of the optimizer state, whatever the tensor sizes (a tensor that
/// straddles a boundary is split between ranks). Each step, a rank copies its slices of the parameters and of the
/// summed gradients into its own slice tensors (<see cref="Owned"/>, AdamW's parameters), its AdamW steps them, and
/// every slice is written back and broadcast from its owner (the "all-gather" of the updated parameters). Checkpoints
/// stay whole: <see cref="Gather"/> collects every moment on every rank in the unsharded key layout (<c>step</c>,
/// <c>exp_avg.{i}</c>, <c>exp_avg_sq.{i}</c>), and <see cref="Slice"/> takes this rank's part of such a state, so a
/// sharded run resumes at any world size, sharded or not.
/// </summary>
public sealed class OptimizerShards : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly Parameter[] _parameters;
    private readonly ShardPiece[] _pieces;
    private readonly ShardPiece[] _mine;
    private readonly Parameter[] _owned;

    /// <summary>Cuts <paramref name="parameters"/> over the ranks of <paramref name="group"/> and allocates this rank's slice tensors.</summary>
    public OptimizerShards(ProcessGroup group, IReadOnlyList<Parameter> parameters)
    {
        _group = group ?? throw new ArgumentNullException(nameof(group));
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        _pieces = Split(_parameters.Select(p => p.NumEl).ToArray(), group.WorldSize).ToArray();
        _mine = _pieces.Where(p => p.Owner == group.Rank).ToArray();
        using var scope = NewScope();
        using var noGrad = NoGrad();
        _owned = _mine.Select(piece => new Parameter(SliceOf(_parameters[piece.Parameter], piece).Clone().DetachFromScope(), requiresGrad: false)).ToArray();
    }

    /// <summary>This rank's slice tensors, in flat order: the parameters its AdamW steps.</summary>
    public IReadOnlyList<Parameter> Owned => _owned;

    /// <summary>Elements of the optimizer state (per moment) this rank keeps.</summary>
    public long OwnedElements => _mine.Sum(p => p.Length);

    /// <summary>
    /// The pieces of tensors of <paramref name="sizes"/> elements, laid end to end and cut into
    /// <paramref name="worldSize"/> contiguous ranges (<see cref="RankShare.Of(long, int, int)"/>), in flat order.
    /// </summary>
    public static IReadOnlyList<ShardPiece> Split(IReadOnlyList<long> sizes, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        var total = sizes.Sum();
        var pieces = new List<ShardPiece>();
        long start = 0;
        var rank = 0;
        for (var i = 0; i < sizes.Count; i++)
        {
            var offset = 0L;
            while (offset < sizes[i])
            {
                var (rankStart, rankCount) = RankShare.Of(total, rank, worldSize);
                if (start + offset >= rankStart + rankCount)
                {
                    rank++;
                    continue;
                }
                var length = Math.Min(sizes[i] - offset, rankStart + rankCount - (start + offset));
                pieces.Add(new ShardPiece(i, offset, length, rank));
                offset += length;
            }
            start += sizes[i];
        }
        return pieces;
    }

    /// <summary>Before this rank's AdamW step: its slice tensors take the current parameter values and summed gradients.</summary>
    public void BeforeStep()
    {
        using var scope = NewScope();
        using var noGrad = NoGrad();
        for (var k = 0; k < _mine.Length; k++)
        {
            var parameter = _parameters[_mine[k].Parameter];
            _owned[k].CopyFrom(SliceOf(parameter, _mine[k]));
            _owned[k].SetGrad(parameter.Grad is { } grad ? SliceOf(grad, _mine[k]).Contiguous() : null);
        }
    }

    /// <summary>After the owners' steps: every rank receives each slice from its owner (the parameters are whole again everywhere).</summary>
    public void AfterStep()
    {
        using var scope = NewScope();
        using var noGrad = NoGrad();
        var mine = 0;
        foreach (var piece in _pieces)
        {
            var slice = SliceOf(_parameters[piece.Parameter], piece);
            if (piece.Owner == _group.Rank)
            {
                slice.CopyFrom(_owned[mine]);
                _owned[mine].SetGrad(null);
                mine++;
            }
            _group.Broadcast(slice, piece.Owner);
        }
    }

    /// <summary>
    /// The whole optimizer state on every rank (a collective: every rank calls it), from this rank's
    /// <paramref name="local"/> state (its slices numbered 0..k-1, as its AdamW numbers them).
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> Gather(IReadOnlyDictionary<string, Tensor>? local, long step)
    {
        var state = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["step"] = Scalar(step, DType.Int64) };
        using var noGrad = NoGrad();
        foreach (var kind in new[] { "exp_avg", "exp_avg_sq" })
        {
            for (var i = 0; i < _parameters.Length; i++)
            {
                state[Key(kind, i)] = ZerosLike(_parameters[i]);
            }
            var mine = 0;
            using var scope = NewScope();
            foreach (var piece in _pieces)
            {
                var slice = SliceOf(state[Key(kind, piece.Parameter)], piece);
                if (piece.Owner == _group.Rank)
                {
                    slice.CopyFrom(local![Key(kind, mine++)]);
                }
                _group.Broadcast(slice, piece.Owner);
            }
        }
        return state;
    }

    /// <summary>This rank's part of a whole state (as <see cref="Gather"/> returns or an unsharded run saved), renumbered for its AdamW.</summary>
    public IReadOnlyDictionary<string, Tensor> Slice(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var local = new Dictionary<string, Tensor>(StringComparer.Ordinal) { ["step"] = state["step"] };
        for (var k = 0; k < _mine.Length; k++)
        {
            foreach (var kind in new[] { "exp_avg", "exp_avg_sq" })
            {
                var whole = state.TryGetValue(Key(kind, _mine[k].Parameter), out var t) ? t
                    : throw new ArgumentException($"optimizer state has no '{Key(kind, _mine[k].Parameter)}' entry (different parameter list?)", nameof(state));
                if (whole.NumEl != _parameters[_mine[k].Parameter].NumEl)
                {
                    throw new ArgumentException($"optimizer state '{Key(kind, _mine[k].Parameter)}' has {whole.NumEl} elements, the parameter {_parameters[_mine[k].Parameter].NumEl} (different model?)", nameof(state));
                }
                local[Key(kind, k)] = SliceOf(whole, _mine[k]).Contiguous();
            }
        }
        return local;
    }

    /// <summary>Releases this rank's slice tensors.</summary>
    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    // View (not Reshape): a slice must alias its tensor, as the copies and broadcasts write through it.
    private static Tensor SliceOf(Tensor whole, ShardPiece piece) => whole.View(-1).Narrow(0, piece.Offset, piece.Length);

    private static string Key(string kind, int i) => kind + "." + i.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A contiguous piece of one parameter held by one rank under ZeRO-1.</summary>
/// <param name="Parameter">The parameter's index.</param>
/// <param name="Offset">The first element of the piece in the flattened parameter.</param>
/// <param name="Length">Its number of elements.</param>
/// <param name="Owner">The rank that keeps its optimizer state and updates it.</param>
public readonly record struct ShardPiece(int Parameter, long Offset, long Length, int Owner);
