using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Agents.Rollout;

/// <summary>
/// Multi-turn sampling that keeps one KV cache for all rows across turns: each step is one forward of a
/// <c>[B, T]</c> block where every fed row's new ids sit at the block's end (left-padded within the block, padding
/// masked for the rest of the run) and idle rows are all padding. A decoding row feeds one token; a row whose tools
/// just answered feeds its inserted turn (prefilled onto its cache, never the whole conversation again) and gets its
/// next token from the same forward. Positions count only real tokens (<c>cumsum(mask) − 1</c> over the cache), so
/// padding in the middle of a row changes nothing. The cache grows when a step would overflow it; finished rows are
/// dropped once they are a quarter of the batch.
/// </summary>
internal sealed class KvCachePolicy : ITokenPolicy
{
    private readonly Qwen2ForCausalLM _model;
    private readonly GenerationOptions _sampling;
    private readonly Generator _generator;
    private readonly bool[] _released;
    private readonly long _initialCapacity;
    private List<int> _batch;   // row numbers in cache order
    private KvCache? _cache;

    public KvCachePolicy(Qwen2ForCausalLM model, int rows, GenerationOptions sampling, long initialCapacity)
    {
        _model = model;
        _sampling = sampling;
        _generator = new Generator(sampling.Seed);
        _released = new bool[rows];
        _batch = [.. Enumerable.Range(0, rows)];
        _initialCapacity = initialCapacity;
    }

    /// <summary>Cache slots used so far per row (real tokens and padding), for benchmarks.</summary>
    public long CacheLength => _cache?.Length ?? 0;

    public IReadOnlyList<(int Id, float LogProb)?> Step(IReadOnlyList<int[]?> feeds)
    {
        var results = new (int Id, float LogProb)?[feeds.Count];
        using var noGrad = NoGrad();
        using var scope = NewScope();
        Compact();
        var fed = new List<int>();   // batch positions of fed rows
        var width = 1;
        for (var b = 0; b < _batch.Count; b++)
        {
            if (feeds[_batch[b]] is { Length: > 0 } feed)
            {
                fed.Add(b);
                width = Math.Max(width, feed.Length);
            }
        }
        if (fed.Count == 0)
        {
            return results;
        }
        EnsureRoom(width);
        var ids = new long[_batch.Count * width];
        var mask = new long[_batch.Count * width];
        foreach (var b in fed)
        {
            var feed = feeds[_batch[b]]!;
            var offset = b * width + width - feed.Length;
            for (var i = 0; i < feed.Length; i++)
            {
                ids[offset + i] = feed[i];
                mask[offset + i] = 1;
            }
        }
        var device = _model.Device;
        var hidden = _model.ForwardHidden(FromArray(ids, _batch.Count, width).To(device), FromArray(mask, _batch.Count, width).To(device), cache: _cache);  // [B,T,H]
        var last = hidden.Select(1, width - 1);                                                                       // [B,H]
        if (fed.Count < _batch.Count)
        {
            last = last.IndexSelect(0, FromArray(fed.Select(b => (long)b).ToArray(), fed.Count).To(device));        // [F,H]
        }
        var logits = _model.LogitsOfRows(last).To(DType.Float32);                                                   // [F,V]
        var (next, logProbs) = TokenSelection.ChooseWithLogProbs(logits, null, _sampling, _generator);
        var nextIds = next.ToArray<long>();
        var nextLogProbs = logProbs.ToArray<float>();
        for (var j = 0; j < fed.Count; j++)
        {
            results[_batch[fed[j]]] = ((int)nextIds[j], nextLogProbs[j]);
        }
        return results;
    }

    public void Release(int row) => _released[row] = true;

    private void EnsureRoom(int width)
    {
        if (_cache is null)
        {
            _cache = _model.CreateCache(_batch.Count, Math.Max(_initialCapacity, width + 64));
            return;
        }
        if (_cache.Length + width > _cache.MaxLength)
        {
            var grown = _cache.WithCapacity(Math.Max(_cache.MaxLength * 2, _cache.Length + width + 64));
            _cache.Dispose();
            _cache = grown;
        }
    }

    private void Compact()
    {
        var kept = Enumerable.Range(0, _batch.Count).Where(b => !_released[_batch[b]]).ToList();
        if (_cache is null || kept.Count == _batch.Count || kept.Count > _batch.Count * 3 / 4)
        {
            return;
        }
        if (kept.Count == 0)
        {
            _cache.Dispose();
            _cache = null;
            _batch = [];
            return;
        }
        var compacted = _cache.SelectRows([.. kept.Select(b => (long)b)]);
        _cache.Dispose();
        _cache = compacted;
        _batch = [.. kept.Select(b => _batch[b])];
    }

    public void Dispose()
    {
        _cache?.Dispose();
        _generator.Dispose();
    }
}
