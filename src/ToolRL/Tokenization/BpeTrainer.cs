using System.Text;
using Microsoft.Extensions.Logging;

namespace ToolRL.Tokenization;

/// <summary>
/// Trains a byte-level BPE with the Qwen2 pre-tokenizer: ids 0–255 are the 256 byte symbols in GPT-2
/// order (as in Qwen2's vocabulary), then one token per merge, then the added tokens. Merging follows the
/// classic algorithm (Sennrich et al. 2016, as in Hugging Face's BpeTrainer): count pre-tokens, then
/// repeatedly merge the most frequent adjacent pair (ties: smaller ids first), updating pair counts
/// incrementally only in the words that contain the merged pair.
/// </summary>
public static partial class BpeTrainer
{
    /// <summary>
    /// Trains on <paramref name="corpus"/> (one document per item; added tokens in it are not learned) to a
    /// tokenizer whose <see cref="Qwen2Tokenizer.VocabSize"/> is <paramref name="vocabSize"/> (fewer when the
    /// corpus runs out of pairs seen <see cref="BpeTrainerOptions.MinFrequency"/> times).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="vocabSize"/> leaves no room for the 256 byte symbols and the added tokens.</exception>
    public static Qwen2Tokenizer Train(IEnumerable<string> corpus, int vocabSize, BpeTrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        options ??= new BpeTrainerOptions();
        var addedCount = options.AddedTokens.Count;
        if (vocabSize < 256 + addedCount)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize,
                $"vocab size must be at least {256 + addedCount} (256 byte symbols + {addedCount} added tokens)");
        }
        var words = CountWords(corpus, options);
        if (options.Logger is { } logger)
        {
            LogPreTokens(logger, words.Count);
        }
        var state = new MergeState(words);
        var (tokens, merges) = state.Run(vocabSize - addedCount, options.MinFrequency, options.Logger);

        var vocab = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            vocab[tokens[id]] = id;
        }
        var added = options.AddedTokens
            .Select((token, index) => new AddedToken(tokens.Count + index, token.Content, token.Special))
            .ToList();
        var definition = new TokenizerDefinition(vocab, merges, added)
        {
            EosToken = added.Any(t => t.Content == Qwen2Tokenizer.ImEndToken) ? Qwen2Tokenizer.ImEndToken : null,
            PadToken = added.Any(t => t.Content == Qwen2Tokenizer.EndOfTextToken) ? Qwen2Tokenizer.EndOfTextToken : null,
            ChatTemplate = Qwen25ChatTemplate.JinjaSource,
        };
        return new Qwen2Tokenizer(definition, "<trained tokenizer>");
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "bpe: {Count} distinct pre-tokens")]
    private static partial void LogPreTokens(ILogger logger, int count);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "bpe: {Merges} merges, vocab {Vocab}")]
    private static partial void LogMerges(ILogger logger, int merges, int vocab);

    /// <summary>Pre-tokenizes the corpus exactly like encoding does and counts each distinct piece.</summary>
    private static Dictionary<string, long> CountWords(IEnumerable<string> corpus, BpeTrainerOptions options)
    {
        var splitter = new AddedTokenSplitter(options.AddedTokens.Select((t, i) => new AddedToken(-1 - i, t.Content, t.Special)));
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var bySpan = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var segments = new List<AddedTokenSplitter.Segment>();
        foreach (var document in corpus)
        {
            segments.Clear();
            splitter.Split(document, matchSpecial: true, segments);
            foreach (var segment in segments)
            {
                if (segment.Token is not null)
                {
                    continue;
                }
                var run = document.AsSpan(segment.Start, segment.End - segment.Start);
                if (!NfcText.IsTriviallyNfc(run))
                {
                    run = run.ToString().Normalize(NormalizationForm.FormC).AsSpan();
                }
                for (var position = 0; position < run.Length;)
                {
                    var end = Qwen2PreTokenizer.PieceEnd(run, position);
                    var piece = run[position..end];
                    bySpan[piece] = bySpan.TryGetValue(piece, out var count) ? count + 1 : 1;
                    position = end;
                }
            }
        }
        return counts;
    }

    /// <summary>The words as symbol-id arrays with the pair statistics the merge loop maintains.</summary>
    private sealed class MergeState
    {
        private readonly int[][] _symbols;
        private readonly int[] _lengths;
        private readonly long[] _counts;
        private readonly Dictionary<long, long> _pairCounts = new();
        private readonly Dictionary<long, HashSet<int>> _wordsWithPair = new();
        private readonly PriorityQueue<long, (long NegativeCount, long Pair)> _queue = new();

        public MergeState(Dictionary<string, long> words)
        {
            var byteId = new int[256];
            for (var k = 0; k < 256; k++)
            {
                byteId[ByteLevelAlphabet.CanonicalOrder[k]] = k;
            }
            _symbols = new int[words.Count][];
            _lengths = new int[words.Count];
            _counts = new long[words.Count];
            var w = 0;
            // Ordinal order keeps training deterministic whatever the dictionary's internal layout.
            foreach (var (word, count) in words.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var bytes = Encoding.UTF8.GetBytes(word);
                _symbols[w] = bytes.Select(b => byteId[b]).ToArray();
                _lengths[w] = bytes.Length;
                _counts[w] = count;
                for (var i = 0; i + 1 < bytes.Length; i++)
                {
                    AddPair(_symbols[w][i], _symbols[w][i + 1], count, w);
                }
                w++;
            }
            foreach (var (pair, count) in _pairCounts)
            {
                _queue.Enqueue(pair, (-count, pair));
            }
        }

        /// <summary>Merges until <paramref name="modelVocabSize"/> tokens exist; returns tokens (by id) and merges (by rank).</summary>
        public (List<string> Tokens, List<(string, string)> Merges) Run(int modelVocabSize, int minFrequency, ILogger? logger)
        {
            var tokens = ByteLevelAlphabet.CanonicalOrder.Select(b => ByteLevelAlphabet.ByteToChar[b].ToString()).ToList();
            var idOf = tokens.Select((t, i) => (t, i)).ToDictionary(p => p.t, p => p.i, StringComparer.Ordinal);
            var merges = new List<(string, string)>();
            while (tokens.Count < modelVocabSize && _queue.TryDequeue(out var pair, out var priority))
            {
                var current = _pairCounts.GetValueOrDefault(pair);
                if (-priority.NegativeCount != current)
                {
                    if (current > 0)
                    {
                        _queue.Enqueue(pair, (-current, pair));
                    }
                    continue;
                }
                if (current < minFrequency)
                {
                    break;
                }
                var (left, right) = ((int)(pair >> 32), (int)pair);
                var merged = tokens[left] + tokens[right];
                // Different merge paths can spell the same string: the merge is kept, the token is shared.
                if (!idOf.TryGetValue(merged, out var newId))
                {
                    newId = tokens.Count;
                    tokens.Add(merged);
                    idOf[merged] = newId;
                }
                merges.Add((tokens[left], tokens[right]));
                ApplyMerge(left, right, newId);
                if (logger is not null && merges.Count % 1000 == 0)
                {
                    LogMerges(logger, merges.Count, tokens.Count);
                }
            }
            return (tokens, merges);
        }

        private void ApplyMerge(int left, int right, int newId)
        {
            var pair = Pack(left, right);
            if (!_wordsWithPair.Remove(pair, out var wordIndices))
            {
                return;
            }
            var touched = new HashSet<long>();
            foreach (var w in wordIndices)
            {
                var symbols = _symbols[w];
                var length = _lengths[w];
                var count = _counts[w];
                var write = 0;
                for (var read = 0; read < length; read++)
                {
                    if (read + 1 < length && symbols[read] == left && symbols[read + 1] == right)
                    {
                        if (write > 0)
                        {
                            AddPair(symbols[write - 1], left, -count, -1);
                            touched.Add(AddPair(symbols[write - 1], newId, count, w));
                        }
                        if (read + 2 < length)
                        {
                            AddPair(right, symbols[read + 2], -count, -1);
                            touched.Add(AddPair(newId, symbols[read + 2], count, w));
                        }
                        AddPair(left, right, -count, -1);
                        symbols[write++] = newId;
                        read++;
                    }
                    else
                    {
                        symbols[write++] = symbols[read];
                    }
                }
                _lengths[w] = write;
            }
            _pairCounts.Remove(pair);
            foreach (var changed in touched)
            {
                if (_pairCounts.TryGetValue(changed, out var count) && count > 0)
                {
                    _queue.Enqueue(changed, (-count, changed));
                }
            }
        }

        /// <summary>Adds <paramref name="delta"/> to a pair's count (recording word <paramref name="word"/> when ≥ 0); returns the packed pair.</summary>
        private long AddPair(int left, int right, long delta, int word)
        {
            var pair = Pack(left, right);
            _pairCounts[pair] = _pairCounts.GetValueOrDefault(pair) + delta;
            if (word >= 0)
            {
                if (!_wordsWithPair.TryGetValue(pair, out var set))
                {
                    set = [];
                    _wordsWithPair[pair] = set;
                }
                set.Add(word);
            }
            return pair;
        }

        private static long Pack(int left, int right) => ((long)left << 32) | (uint)right;
    }
}
