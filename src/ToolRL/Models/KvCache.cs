using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>
/// A preallocated key/value cache: per layer K and V of [B, nKV, MaxLength, hd], written in place at the
/// current <see cref="Length"/> (no per-step concatenation), plus a [B, MaxLength] 0/1 map of which slots
/// hold real tokens (left padding of batched prompts stays masked for the whole generation). Rows can be
/// repeated or selected (<see cref="SelectRows"/>) so that n samples share one prefill of their prompt.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly Tensor _slots;
    private bool _disposed;

    /// <summary>Allocates an empty cache for <paramref name="batchSize"/> rows of up to <paramref name="maxLength"/> tokens.</summary>
    public KvCache(Qwen2Config config, long batchSize, long maxLength, DType dtype, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        long[] shape = [batchSize, config.NumKeyValueHeads, maxLength, config.HeadDim];
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = Zeros(shape, dtype, device).DetachFromScope();
            _values[i] = Zeros(shape, dtype, device).DetachFromScope();
        }
        _slots = Zeros([batchSize, maxLength], DType.Int64, device).DetachFromScope();
        (BatchSize, MaxLength) = (batchSize, maxLength);
    }

    private KvCache(Tensor[] keys, Tensor[] values, Tensor slots, long length)
    {
        (_keys, _values, _slots) = (keys, values, slots);
        (BatchSize, MaxLength, Length) = (slots.Size(0), slots.Size(1), length);
    }

    /// <summary>Rows (sequences) in the cache.</summary>
    public long BatchSize { get; }

    /// <summary>Capacity in tokens per row.</summary>
    public long MaxLength { get; }

    /// <summary>Tokens written so far (the same for every row: prompts are left-padded).</summary>
    public long Length { get; private set; }

    /// <summary>Bytes held by the keys and values.</summary>
    public long Bytes => _keys.Sum(k => k.NumEl * k.DType.ElementSize()) * 2;

    /// <summary>
    /// A new cache holding the given rows of this one, in order (indices may repeat: <c>[0,0,0,1,1,1]</c> gives three
    /// copies of each of two prompts). This cache is left unchanged.
    /// </summary>
    public KvCache SelectRows(IReadOnlyList<long> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var scope = NewScope();
        var index = FromArray(rows.ToArray(), rows.Count).To(_slots.Device);
        var keys = _keys.Select(k => scope.MoveToOuter(k.IndexSelect(0, index)).DetachFromScope()).ToArray();
        var values = _values.Select(v => scope.MoveToOuter(v.IndexSelect(0, index)).DetachFromScope()).ToArray();
        var slots = scope.MoveToOuter(_slots.IndexSelect(0, index)).DetachFromScope();
        return new KvCache(keys, values, slots, Length);
    }

    /// <summary>
    /// A new cache with room for <paramref name="maxLength"/> tokens per row, holding this one's rows and tokens (a
    /// multi-turn rollout grows its cache as turns are added). This cache is left unchanged.
    /// </summary>
    internal KvCache WithCapacity(long maxLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, Length);
        using var scope = NewScope();
        Tensor Copy(Tensor source, int dim)
        {
            var shape = source.Shape.ToArray();
            shape[dim] = maxLength;
            var target = Zeros(shape, source.DType, source.Device).DetachFromScope();
            if (Length > 0)
            {
                target.Narrow(dim, 0, Length).CopyFrom(source.Narrow(dim, 0, Length));
            }
            return target;
        }
        return new KvCache(_keys.Select(k => Copy(k, 2)).ToArray(), _values.Select(v => Copy(v, 2)).ToArray(), Copy(_slots, 1), Length);
    }

    /// <summary>
    /// A new cache holding the chosen rows of several caches, in order, right-aligned: each part's used slots end at
    /// the new <see cref="Length"/>, which is the longest span any chosen row needs (slots no chosen row of a part uses
    /// are dropped from its front). Positions count real tokens only, so the shift changes nothing a row attends to:
    /// this is how a continuous batch lets a freshly prefilled request join rows that are mid-generation, and sheds
    /// the columns finished rows alone were using. Room for <paramref name="extraRoom"/> more tokens per row is
    /// allocated. The parts are left unchanged.
    /// </summary>
    internal static KvCache Gather(IReadOnlyList<(KvCache Cache, IReadOnlyList<long> Rows)> parts, long extraRoom)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(extraRoom);
        var used = parts.Where(p => p.Rows.Count > 0).ToList();
        if (used.Count == 0)
        {
            throw new ArgumentException("gather needs at least one row");
        }
        using var scope = NewScope();
        var chosen = new List<(KvCache Cache, Tensor Index, long Rows, long First, long Span)>();
        foreach (var (cache, rows) in used)
        {
            var index = FromArray(rows.ToArray(), rows.Count).To(cache._slots.Device);
            // First slot any chosen row uses: the columns before it hold only padding for these rows.
            var occupied = cache._slots.IndexSelect(0, index).Narrow(1, 0, cache.Length).Sum(0).ToArray<long>();
            var first = Array.FindIndex(occupied, c => c != 0);
            first = first < 0 ? (int)cache.Length : first;
            chosen.Add((cache, index, rows.Count, first, cache.Length - first));
        }
        var length = chosen.Max(c => c.Span);
        var batch = chosen.Sum(c => c.Rows);
        var head = used[0].Cache;
        var capacity = Math.Max(1, length + extraRoom);
        Tensor Assemble(Func<KvCache, Tensor> source, int dim)
        {
            var shape = source(head).Shape.ToArray();
            (shape[0], shape[dim]) = (batch, capacity);
            var target = Zeros(shape, source(head).DType, source(head).Device).DetachFromScope();
            long row = 0;
            foreach (var (cache, index, rows, first, span) in chosen)
            {
                if (span > 0)
                {
                    target.Narrow(0, row, rows).Narrow(dim, length - span, span)
                        .CopyFrom(source(cache).IndexSelect(0, index).Narrow(dim, first, span));
                }
                row += rows;
            }
            return target;
        }
        var keys = Enumerable.Range(0, head._keys.Length).Select(i => Assemble(c => c._keys[i], 2)).ToArray();
        var values = Enumerable.Range(0, head._values.Length).Select(i => Assemble(c => c._values[i], 2)).ToArray();
        return new KvCache(keys, values, Assemble(c => c._slots, 1), length);
    }

    /// <summary>Records the 0/1 mask of the next T tokens; returns the slot map [B, Length + T] (a view).</summary>
    internal Tensor Append(Tensor newMask)
    {
        var t = newMask.Size(1);
        if (newMask.Size(0) != BatchSize)
        {
            throw new ArgumentException($"the KV cache holds {BatchSize} rows but the input has {newMask.Size(0)}");
        }
        if (Length + t > MaxLength)
        {
            throw new InvalidOperationException(
                $"the KV cache holds {MaxLength} tokens per row; {Length} are used and {t} more do not fit (allocate a longer cache)");
        }
        using (var scope = NewScope())
        {
            _slots.Narrow(1, Length, t).CopyFrom(newMask);
        }
        return _slots.Narrow(1, 0, Length + t);
    }

    /// <summary>The cache of one layer, for the attention of the current step.</summary>
    internal LayerSlot Layer(int layer) => new(this, layer);

    /// <summary>Moves the write position past the T tokens just processed by every layer.</summary>
    internal void Advance(long t) => Length += t;

    /// <summary>Releases the native memory.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (var t in _keys.Concat(_values).Append(_slots))
        {
            t.Dispose();
        }
    }

    /// <summary>One layer's K/V buffers.</summary>
    internal readonly struct LayerSlot(KvCache cache, int layer)
    {
        /// <summary>Writes k, v [B,nKV,T,hd] at the current length; returns K, V [B,nKV,Length+T,hd] (views).</summary>
        public (Tensor Keys, Tensor Values) Write(Tensor k, Tensor v)
        {
            var t = k.Size(2);
            var start = cache.Length;
            cache._keys[layer].Narrow(2, start, t).CopyFrom(k);
            cache._values[layer].Narrow(2, start, t).CopyFrom(v);
            return (cache._keys[layer].Narrow(2, 0, start + t), cache._values[layer].Narrow(2, 0, start + t));
        }
    }
}
