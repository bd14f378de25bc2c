using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Serving;

/// <summary>
/// Continuous batching over one model: every request's rows (one per sample) share one decode batch and one KV
/// cache, and a request that arrives while others are generating joins the batch at the next step instead of
/// waiting for them. Each step (on one dedicated thread, which owns the model's forward passes):
/// <list type="number">
/// <item>waiting requests are prefilled together (one left-padded forward, the last position's logits only);</item>
/// <item>every row picks its next token: greedy rows together, sampled rows per request with that request's own
/// seeded generator and settings, so a request's tokens do not depend on what else is in the batch;</item>
/// <item>tokens go to their requests as they are produced (<see cref="GenerateAsync"/> is an async stream);</item>
/// <item>rows that finished, or whose request was cancelled (a client that disconnected), leave the batch: the cache
/// is rebuilt with the surviving and the newly prefilled rows right-aligned (<see cref="KvCache.Gather"/>), so their
/// slots are freed at once;</item>
/// <item>one forward of the surviving rows' new tokens gives the next step's logits.</item>
/// </list>
/// Rebuilding copies the cache, which is why it happens only when the batch changes (a join or a leave), never on a
/// plain decode step. At most <see cref="MaxRows"/> rows run at once; further requests wait in arrival order.
/// </summary>
public sealed class ContinuousBatcher : IDisposable
{
    private readonly Qwen2ForCausalLM _model;
    private readonly Func<IReadOnlyList<int>, string> _decode;
    private readonly object _gate = new();
    private readonly Queue<Request> _waiting = new();
    private readonly Thread _thread;
    private bool _stopping;
    private long _steps, _prefills, _joins;
    private int _activeRows, _peakRows;

    // Owned by the generation thread.
    private readonly List<Row> _rows = [];   // batch order = cache row order = order of _logits rows
    private KvCache? _cache;
    private Tensor? _logits;                  // [R,V] float32: the next token's logits of every row

    /// <summary>Starts the generation thread for <paramref name="model"/> (in eval mode).</summary>
    /// <param name="model">The model; the batcher runs its forward passes on its own thread.</param>
    /// <param name="decode">Token ids → text, for stop strings.</param>
    /// <param name="maxRows">Rows (samples) decoded together at most.</param>
    public ContinuousBatcher(Qwen2ForCausalLM model, Func<IReadOnlyList<int>, string> decode, int maxRows = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(decode);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        _model = model;
        _decode = decode;
        MaxRows = maxRows;
        _thread = new Thread(Run) { IsBackground = true, Name = "toolrl continuous batcher" };
        _thread.Start();
    }

    /// <summary>Rows decoded together at most; a request with more samples than this is refused.</summary>
    public int MaxRows { get; }

    /// <summary>Counters of the work done so far (for tests and benchmarks).</summary>
    public BatcherStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new BatcherStatistics(_steps, _prefills, _joins, _activeRows, _peakRows, _waiting.Count);
            }
        }
    }

    /// <summary>
    /// Generates <paramref name="samples"/> continuations of <paramref name="promptIds"/>, yielding each token as soon as
    /// its step ran; a sample's last token carries its <see cref="GeneratedToken.Finish"/>. Cancelling
    /// <paramref name="cancellationToken"/> (or abandoning the enumeration) removes the request's rows from the batch at
    /// the next step.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid options, an empty prompt or an id outside the vocabulary.</exception>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<int> promptIds, GenerationOptions options, int samples = 1,
        ITokenConstraint? constraint = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samples);
        if (samples > MaxRows)
        {
            throw new ArgumentException($"{samples} samples do not fit a batch of {MaxRows} rows; fix: ask for at most {MaxRows}");
        }
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt is empty; fix: give at least one token (e.g. the chat template's assistant header)");
        }
        var vocab = _model.Config.VocabSize;
        foreach (var id in promptIds)
        {
            if (id < 0 || id >= vocab)
            {
                throw new ArgumentException($"the prompt holds token id {id}, outside the model's vocabulary [0, {vocab}); fix: use the model's tokenizer");
            }
        }
        if (options.MaxNewTokens == 0)
        {
            throw new ArgumentException("MaxNewTokens = 0 leaves nothing to generate; fix: allow at least 1 token");
        }
        var request = new Request(promptIds.ToArray(), options, samples, constraint);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _waiting.Enqueue(request);
            Monitor.Pulse(_gate);
        }
        using var registration = cancellationToken.Register(request.Cancel);
        try
        {
            await foreach (var token in request.Output.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return token;
            }
        }
        finally
        {
            request.Cancel();   // a no-op once it finished; otherwise its rows leave the batch at the next step
        }
    }

    private void Run()
    {
        using var noGrad = NoGrad();
        while (true)
        {
            List<Request> admitted;
            lock (_gate)
            {
                while (!_stopping && _waiting.Count == 0 && _rows.Count == 0)
                {
                    Monitor.Wait(_gate);
                }
                if (_stopping)
                {
                    break;
                }
                admitted = Admit();
            }
            try
            {
                Step(admitted);
            }
            catch (Exception e)
            {
                // A failed step (out of memory, a bug) fails the requests in it; the server keeps serving.
                foreach (var request in _rows.Select(r => r.Request).Concat(admitted).Distinct())
                {
                    request.Output.Writer.TryComplete(e);
                }
                Reset();
            }
        }
        foreach (var request in _rows.Select(r => r.Request).Distinct())
        {
            request.Output.Writer.TryComplete(new ObjectDisposedException(nameof(ContinuousBatcher)));
        }
        Reset();
        lock (_gate)
        {
            foreach (var request in _waiting)
            {
                request.Output.Writer.TryComplete(new ObjectDisposedException(nameof(ContinuousBatcher)));
            }
            _waiting.Clear();
        }
    }

    /// <summary>Takes waiting requests, in order, while their rows fit (under the lock).</summary>
    private List<Request> Admit()
    {
        var admitted = new List<Request>();
        var rows = _rows.Count;
        while (_waiting.Count > 0 && (_waiting.Peek().Cancelled || rows + _waiting.Peek().Samples <= MaxRows))
        {
            var request = _waiting.Dequeue();
            if (request.Cancelled)
            {
                request.Output.Writer.TryComplete();
                continue;
            }
            admitted.Add(request);
            rows += request.Samples;
        }
        if (admitted.Count > 0)
        {
            _prefills++;
            _joins += _rows.Count > 0 ? admitted.Count : 0;
        }
        return admitted;
    }

    private void Step(List<Request> admitted)
    {
        using var scope = NewScope();
        KvCache? promptCache = null;
        try
        {
            // 1. Prefill the newcomers; their rows join the batch after the running ones.
            var rowCountBefore = _rows.Count;
            var logits = _logits;
            if (admitted.Count > 0)
            {
                var prompts = admitted.Select(r => (IReadOnlyList<int>)r.Prompt).ToList();
                var longest = prompts.Max(p => p.Count);
                var (ids, mask) = Sampler.LeftPad(prompts, _model.Device);                                    // [P,L]
                promptCache = _model.CreateCache(prompts.Count, longest);
                var hidden = _model.ForwardHidden(ids, mask, cache: promptCache);                              // [P,L,H]
                var promptLogits = _model.LogitsOfRows(hidden.Select(1, longest - 1)).To(DType.Float32);       // [P,V]
                var rowOfPrompt = new List<long>();
                for (var p = 0; p < admitted.Count; p++)
                {
                    for (var s = 0; s < admitted[p].Samples; s++)
                    {
                        _rows.Add(new Row(admitted[p], s, p));
                        rowOfPrompt.Add(p);
                    }
                }
                var newLogits = promptLogits.IndexSelect(0, FromArray(rowOfPrompt.ToArray(), rowOfPrompt.Count).To(_model.Device));
                logits = logits is null ? newLogits : Cat([logits, newLogits]);                                // [R,V]
            }
            lock (_gate)
            {
                _activeRows = _rows.Count;
                _peakRows = Math.Max(_peakRows, _rows.Count);
            }

            // 2. Every row picks its next token; tokens go out as they are chosen.
            var next = ChooseTokens(logits!);                                                                 // [R]
            var survivors = new List<int>(_rows.Count);                                                      // batch positions
            for (var j = 0; j < _rows.Count; j++)
            {
                var row = _rows[j];
                if (row.Request.Cancelled)
                {
                    continue;
                }
                row.Generated.Add(next[j]);
                var finish = Finish(row);
                row.Request.Output.Writer.TryWrite(new GeneratedToken(row.Sample, next[j], finish));
                if (finish is null)
                {
                    survivors.Add(j);
                }
                else if (row.Request.RowFinished())
                {
                    row.Request.Output.Writer.TryComplete();
                }
            }
            foreach (var request in _rows.Select(r => r.Request).Where(r => r.Cancelled).Distinct())
            {
                request.Output.Writer.TryComplete();
            }

            // 3. Rebuild the cache when the batch changed; then one forward of the survivors' tokens.
            var changed = admitted.Count > 0 || survivors.Count != _rows.Count;
            var remaining = survivors.Count == 0 ? 0 : survivors.Max(j => _rows[j].Request.Options.MaxNewTokens - _rows[j].Generated.Count);
            if (survivors.Count == 0)
            {
                Reset();
                return;
            }
            if (changed)
            {
                var fromRunning = survivors.Where(j => j < rowCountBefore).Select(j => (long)j).ToList();
                var fromPrompts = survivors.Where(j => j >= rowCountBefore).Select(j => (long)_rows[j].PromptIndex).ToList();
                var parts = new List<(KvCache, IReadOnlyList<long>)>();
                if (_cache is not null)
                {
                    parts.Add((_cache, fromRunning));
                }
                if (promptCache is not null)
                {
                    parts.Add((promptCache, fromPrompts));
                }
                var rebuilt = KvCache.Gather(parts, remaining);
                _cache?.Dispose();
                _cache = rebuilt;
            }
            else if (_cache!.Length + 1 > _cache.MaxLength)
            {
                var grown = _cache.WithCapacity(_cache.Length + remaining);
                _cache.Dispose();
                _cache = grown;
            }
            var input = FromArray(survivors.Select(j => (long)next[j]).ToArray(), survivors.Count, 1).To(_model.Device);  // [S,1]
            var h = _model.ForwardHidden(input, cache: _cache);                                              // [S,1,H]
            var stepLogits = _model.LogitsOfRows(h.Select(1, 0)).To(DType.Float32).DetachFromScope();        // [S,V]
            _logits?.Dispose();
            _logits = stepLogits;
            var kept = survivors.Select(j => _rows[j]).ToList();
            _rows.Clear();
            _rows.AddRange(kept);
            lock (_gate)
            {
                _steps++;
                _activeRows = _rows.Count;
            }
        }
        finally
        {
            promptCache?.Dispose();
        }
    }

    /// <summary>The next token of every row of <paramref name="logits"/> [R,V].</summary>
    private int[] ChooseTokens(Tensor logits)
    {
        var next = new int[_rows.Count];
        var allowed = _rows.Select(r => r.Request.Constraint?.Allowed(r.Generated)).ToArray();
        // Unconstrained greedy rows go together per repetition penalty (a row's argmax does not depend on the other
        // rows); every other request alone, with its settings and its own generator (its own draws).
        var groups = Enumerable.Range(0, _rows.Count).GroupBy(j =>
        {
            var request = _rows[j].Request;
            return request.Options.IsGreedy && allowed[j] is null ? (object)request.Options.RepetitionPenalty : request;
        });
        foreach (var group in groups)
        {
            var positions = group.ToList();
            var request = _rows[positions[0]].Request;
            var rows = positions.Count == _rows.Count ? logits : logits.IndexSelect(0, Index(positions));   // [n,V]
            if (positions.Any(j => allowed[j] is not null))
            {
                rows = rows + AllowedBias(positions.Select(j => allowed[j]).ToList(), rows.Size(1));
            }
            var seen = request.Options.RepetitionPenalty == 1 ? null : SeenTokens(positions, rows.Size(1));
            var (ids, _) = TokenSelection.ChooseWithLogProbs(rows, seen, request.Options, request.Generator);
            var values = ids.ToArray<long>();
            for (var i = 0; i < positions.Count; i++)
            {
                next[positions[i]] = (int)values[i];
            }
        }
        return next;
    }

    /// <summary>bool [n,V]: the prompt and generated tokens of each row (what the repetition penalty applies to).</summary>
    private Tensor SeenTokens(IReadOnlyList<int> positions, long vocab)
    {
        var width = positions.Max(j => _rows[j].Request.Prompt.Length + _rows[j].Generated.Count);
        var index = new long[positions.Count * width];
        for (var i = 0; i < positions.Count; i++)
        {
            var row = _rows[positions[i]];
            var k = 0;
            foreach (var id in row.Request.Prompt.Concat(row.Generated))
            {
                index[i * width + k++] = id;
            }
            Array.Fill(index, row.Request.Prompt[0], i * width + k, width - k);   // padding repeats a seen id
        }
        var ids = FromArray(index, positions.Count, width).To(_model.Device);
        return Zeros([positions.Count, vocab], DType.Bool, _model.Device).ScatterInPlace(1, ids, OnesLike(ids, DType.Bool));
    }

    /// <summary>0 where a row may pick a token, −∞ elsewhere ([n,V] float32); a row without a constraint now gets 0s.</summary>
    private Tensor AllowedBias(IReadOnlyList<IReadOnlyCollection<int>?> allowed, long vocab)
    {
        var bias = new float[allowed.Count * vocab];
        for (var i = 0; i < allowed.Count; i++)
        {
            if (allowed[i] is not { Count: > 0 } ids)
            {
                continue;
            }
            Array.Fill(bias, float.NegativeInfinity, (int)(i * vocab), (int)vocab);
            foreach (var id in ids)
            {
                bias[i * vocab + id] = 0;
            }
        }
        return FromArray(bias, allowed.Count, vocab).To(_model.Device);
    }

    private Tensor Index(IReadOnlyList<int> positions) =>
        FromArray(positions.Select(p => (long)p).ToArray(), positions.Count).To(_model.Device);

    /// <summary>Why <paramref name="row"/> ends after its newest token, or null (eos, a stop string, the token budget).</summary>
    private FinishReason? Finish(Row row)
    {
        var options = row.Request.Options;
        if (options.EosTokenIds.Contains(row.Generated[^1]))
        {
            return FinishReason.Eos;
        }
        if (options.StopStrings.Count > 0 && StopStrings.FirstIndex(_decode(row.Generated), options.StopStrings) >= 0)
        {
            return FinishReason.StopString;
        }
        return row.Generated.Count >= options.MaxNewTokens ? FinishReason.Length : null;
    }

    private void Reset()
    {
        _rows.Clear();
        _cache?.Dispose();
        _cache = null;
        _logits?.Dispose();
        _logits = null;
        lock (_gate)
        {
            _activeRows = 0;
        }
    }

    /// <summary>Stops the generation thread; requests still running or waiting fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
    }

    /// <summary>One request: its prompt, settings, generator and the channel its tokens go out on.</summary>
    private sealed class Request(int[] prompt, GenerationOptions options, int samples, ITokenConstraint? constraint)
    {
        private int _cancelled;
        private int _unfinished = samples;

        public int[] Prompt { get; } = prompt;

        public GenerationOptions Options { get; } = options;

        public int Samples { get; } = samples;

        public ITokenConstraint? Constraint { get; } = constraint;

        public Generator Generator { get; } = new(options.Seed);

        public Channel<GeneratedToken> Output { get; } = Channel.CreateUnbounded<GeneratedToken>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });

        public bool Cancelled => Volatile.Read(ref _cancelled) != 0;

        public void Cancel() => Interlocked.Exchange(ref _cancelled, 1);

        /// <summary>Counts one finished sample; true when it was the last.</summary>
        public bool RowFinished() => --_unfinished == 0;
    }

    /// <summary>One sample of a request in the batch.</summary>
    private sealed class Row(Request request, int sample, int promptIndex)
    {
        public Request Request { get; } = request;

        public int Sample { get; } = sample;

        /// <summary>Its prompt's row in the prefill that admitted it.</summary>
        public int PromptIndex { get; } = promptIndex;

        public List<int> Generated { get; } = [];
    }
}

/// <summary>One generated token of a request.</summary>
/// <param name="Sample">Which sample it belongs to (0 … n−1).</param>
/// <param name="TokenId">The token.</param>
/// <param name="Finish">Set on a sample's last token: why it ended.</param>
public readonly record struct GeneratedToken(int Sample, int TokenId, FinishReason? Finish);

/// <summary>Counters of a <see cref="ContinuousBatcher"/>.</summary>
/// <param name="Steps">Decode steps run (one forward of the whole batch each).</param>
/// <param name="Prefills">Prefill forwards (each admits one or more waiting requests).</param>
/// <param name="Joins">Requests admitted while other rows were generating (continuous batching at work).</param>
/// <param name="ActiveRows">Rows in the batch now.</param>
/// <param name="PeakRows">Most rows decoded together so far.</param>
/// <param name="Waiting">Requests waiting for room.</param>
public sealed record BatcherStatistics(long Steps, long Prefills, long Joins, int ActiveRows, int PeakRows, int Waiting);

/// <summary>
/// Restricts which tokens a sample may pick next (constrained decoding, e.g. a forced tool-call opening).
/// </summary>
public interface ITokenConstraint
{
    /// <summary>The token ids allowed after <paramref name="generated"/>, or null when any token may follow.</summary>
    IReadOnlyCollection<int>? Allowed(IReadOnlyList<int> generated);
}
