using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace ToolRL.Tokenization;

/// <summary>
/// The Qwen2 / Qwen2.5 / Qwen3 and Llama 3.x byte-level BPE tokenizer, giving exactly the ids of Hugging Face
/// <c>tokenizers</c>: added tokens are split out first (leftmost-longest), each remaining run is NFC
/// normalized (Qwen; Llama 3 has no normalizer), split by the Qwen2 pattern (Llama 3: digits three at a time) (on code points, so supplementary-plane letters count as
/// letters), mapped to GPT-2 byte symbols and merged by rank. Instances are immutable apart from a
/// concurrent piece cache, so one instance can be shared by any number of threads.
/// It is a <see cref="Tokenizer"/> of Microsoft.ML.Tokenizers, so it plugs into any .NET code that takes one;
/// through that API special tokens are always recognised, NFC and the pre-split always apply (tokenizer.json
/// prescribes them), and offsets point into the caller's text (no normalized copy is returned).
/// </summary>
public sealed class Qwen2Tokenizer : Tokenizer
{
    /// <summary>The Qwen end-of-text token (base-model EOS, pad token of Instruct models).</summary>
    public const string EndOfTextToken = "<|endoftext|>";

    /// <summary>Opens a chat turn.</summary>
    public const string ImStartToken = "<|im_start|>";

    /// <summary>Closes a chat turn (EOS of Instruct models).</summary>
    public const string ImEndToken = "<|im_end|>";

    /// <summary>Llama 3: ends a message (the EOS of Instruct models).</summary>
    public const string Llama3EndOfTurnToken = "<|eot_id|>";

    /// <summary>Llama 3: opens a message header (<c>&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;</c>).</summary>
    public const string Llama3StartHeaderToken = "<|start_header_id|>";

    /// <summary>Beyond this many cached pieces the cache is emptied (bounds memory on unbounded input).</summary>
    private const int MaxCachedPieces = 250_000;

    /// <summary>Pieces longer than this are not cached (long whitespace/symbol runs are rare and unique).</summary>
    private const int MaxCachedPieceLength = 128;

    private readonly TokenizerDefinition _definition;
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
    private readonly string?[] _idToToken;
    private readonly byte[]?[] _idToBytes;
    private readonly bool[] _isSpecial;
    private readonly int[] _byteIds = new int[256];
    private readonly BpeMerger _merger;
    private readonly AddedTokenSplitter _splitter;
    private readonly FrozenDictionary<string, AddedToken> _addedByContent;
    private ChatDialect? _chatDialect;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cacheBySpan;
    private int _cachedPieces;

    internal Qwen2Tokenizer(TokenizerDefinition definition, string source)
    {
        _definition = definition;
        // The readers already build an ordinal dictionary; copying 151k entries again would only cost load time.
        _vocab = definition.Vocab is Dictionary<string, int> { Comparer: var comparer } ready && ReferenceEquals(comparer, StringComparer.Ordinal)
            ? ready
            : new Dictionary<string, int>(definition.Vocab, StringComparer.Ordinal);
        _cacheBySpan = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
        _vocabBySpan = _vocab.GetAlternateLookup<ReadOnlySpan<char>>();

        var maxId = Math.Max(definition.Vocab.Values.Max(), definition.AddedTokens.Count == 0 ? -1 : definition.AddedTokens.Max(t => t.Id));
        VocabSize = maxId + 1;
        _idToToken = new string?[VocabSize];
        _idToBytes = new byte[]?[VocabSize];
        _isSpecial = new bool[VocabSize];
        foreach (var (token, id) in definition.Vocab)
        {
            if (_idToToken[id] is { } other)
            {
                throw new TokenizerFileException(source, $"vocabulary ids must be unique: \"{other}\" and \"{token}\" both have id {id}");
            }
            _idToToken[id] = token;
            _idToBytes[id] = ByteLevelAlphabet.TryDecode(token, out var bytes) ? bytes : Encoding.UTF8.GetBytes(token);
        }
        for (var b = 0; b < 256; b++)
        {
            var symbol = ByteLevelAlphabet.ByteToChar[b].ToString();
            if (!_vocab.TryGetValue(symbol, out _byteIds[b]))
            {
                throw new TokenizerFileException(source, $"the vocabulary lacks the byte-level symbol \"{symbol}\" (byte 0x{b:X2}); a byte-level BPE vocabulary must hold all 256");
            }
        }
        foreach (var token in definition.AddedTokens)
        {
            _idToToken[token.Id] = token.Content;
            _idToBytes[token.Id] = Encoding.UTF8.GetBytes(token.Content);
            _isSpecial[token.Id] = token.Special;
        }
        _addedByContent = definition.AddedTokens.GroupBy(t => t.Content, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        _splitter = new AddedTokenSplitter(definition.AddedTokens);
        _merger = new BpeMerger(ResolveMerges(definition, _vocab, source));

        // Turn delimiters: Qwen's <|im_start|> … <|im_end|>, or Llama 3's <|start_header_id|> … <|eot_id|>.
        var (turnStart, turnEnd) = TokenToId(ImStartToken) is null && TokenToId(Llama3EndOfTurnToken) is not null
            ? (Llama3StartHeaderToken, Llama3EndOfTurnToken)
            : (ImStartToken, ImEndToken);
        ImStartTokenId = RequiredAdded(turnStart, source);
        ImEndTokenId = RequiredAdded(turnEnd, source);
        EosTokenId = TokenToId(definition.EosToken ?? turnEnd)
            ?? throw new TokenizerFileException(source, $"eos_token \"{definition.EosToken}\" is not a token of this tokenizer");
        PadTokenId = definition.PadToken is { } pad
            ? TokenToId(pad) ?? throw new TokenizerFileException(source, $"pad_token \"{pad}\" is not a token of this tokenizer")
            : TokenToId(EndOfTextToken);
        SpecialTokens = definition.AddedTokens.Where(t => t.Special)
            .GroupBy(t => t.Content, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Last().Id, StringComparer.Ordinal);
    }

    /// <summary>Highest token id + 1, counting added tokens (151,665 for Qwen2.5; models pad their embedding further).</summary>
    public int VocabSize { get; }

    /// <summary>The end-of-sequence id (tokenizer_config.json <c>eos_token</c>; &lt;|im_end|&gt; when not given).</summary>
    public int EosTokenId { get; }

    /// <summary>The padding id (tokenizer_config.json <c>pad_token</c>; &lt;|endoftext|&gt; when not given).</summary>
    public int? PadTokenId { get; }

    /// <summary>The id of the token that opens a chat turn: &lt;|im_start|&gt; (Qwen), &lt;|start_header_id|&gt; (Llama 3).</summary>
    public int ImStartTokenId { get; }

    /// <summary>The id of the token that closes a chat turn: &lt;|im_end|&gt; (Qwen), &lt;|eot_id|&gt; (Llama 3).</summary>
    public int ImEndTokenId { get; }

    /// <summary>Added tokens flagged special (skipped by <see cref="Decode(IEnumerable{int}, bool)"/> with skipSpecialTokens), content → id.</summary>
    public IReadOnlyDictionary<string, int> SpecialTokens { get; }

    /// <summary>All added tokens with their flags, in file order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens => _definition.AddedTokens;

    /// <summary>
    /// The chat dialect of this tokenizer's model family (<see cref="Tokenization.ChatDialect.Of"/>): its chat template and
    /// how its replies write tool calls.
    /// </summary>
    public ChatDialect ChatDialect => _chatDialect ??= ChatDialect.Of(this);

    /// <summary>
    /// Renders a conversation with the chat template of this tokenizer's model family, as transformers'
    /// <c>apply_chat_template</c> does (<see cref="ChatDialect"/>'s <see cref="ChatDialect.Render"/>).
    /// </summary>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, IReadOnlyList<System.Text.Json.Nodes.JsonObject>? tools = null, bool addGenerationPrompt = false) =>
        ChatDialect.Render(messages, tools, addGenerationPrompt);

    /// <summary>The chat template of tokenizer_config.json, when the folder had one.</summary>
    public string? ChatTemplate => _definition.ChatTemplate;

    /// <summary>Number of BPE merges.</summary>
    public int MergeCount => _merger.Count;

    /// <summary>
    /// Loads a model folder: <c>tokenizer.json</c> first, else <c>vocab.json</c> + <c>merges.txt</c> with
    /// added tokens from <c>tokenizer_config.json</c> / <c>added_tokens.json</c>; eos, pad and the chat
    /// template come from <c>tokenizer_config.json</c> when present.
    /// </summary>
    /// <exception cref="TokenizerFileException">The folder or a file is missing, malformed or not a Qwen2 tokenizer.</exception>
    public static Qwen2Tokenizer FromDirectory(string dir) => new(TokenizerFolderReader.Read(dir), dir);

    /// <summary>Loads a single <c>tokenizer.json</c> (eos defaults to &lt;|im_end|&gt;, pad to &lt;|endoftext|&gt;).</summary>
    /// <exception cref="TokenizerFileException">The file is missing, malformed or not a Qwen2 tokenizer.</exception>
    public static Qwen2Tokenizer FromTokenizerJson(string path) => new(TokenizerJsonReader.Read(path), path);

    /// <summary>Encodes text to ids, recognising special tokens such as &lt;|im_start|&gt; in the text.</summary>
    public IReadOnlyList<int> EncodeToIds(string text) => EncodeToIds(text, parseSpecialTokens: true);

    /// <summary>
    /// Encodes text to ids. With <paramref name="parseSpecialTokens"/> false, special tokens in the text are
    /// tokenized as ordinary characters (Hugging Face <c>split_special_tokens=True</c>); non-special added
    /// tokens such as &lt;tool_call&gt; are still matched, as there.
    /// </summary>
    public IReadOnlyList<int> EncodeToIds(string text, bool parseSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        Encode(text, parseSpecialTokens, ids, null);
        return ids;
    }

    /// <summary>Encodes text to tokens with their strings and offsets into <paramref name="text"/>.</summary>
    public IReadOnlyList<EncodedToken> EncodeToTokens(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<EncodedToken>();
        Encode(text, parseSpecialTokens, null, tokens);
        return tokens;
    }

    /// <summary>Number of tokens <paramref name="text"/> encodes to (special tokens parsed).</summary>
    public int CountTokens(string text) => CountTokens(text, parseSpecialTokens: true);

    /// <summary>Number of tokens <paramref name="text"/> encodes to.</summary>
    public int CountTokens(string text, bool parseSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(text, parseSpecialTokens, null, null);
    }

    /// <summary>
    /// Decodes ids to text: token bytes are concatenated and read as UTF-8, invalid sequences becoming
    /// U+FFFD (Python's <c>errors="replace"</c>). Ids outside the vocabulary are skipped, as Hugging Face
    /// does (a model's embedding is usually wider than its tokenizer).
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var buffer = new ArrayBufferWriter<byte>(256);
        foreach (var id in ids)
        {
            if ((uint)id >= (uint)_idToBytes.Length || _idToBytes[id] is not { } bytes || (skipSpecialTokens && _isSpecial[id]))
            {
                continue;
            }
            buffer.Write(bytes);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// How many UTF-8 bytes <paramref name="id"/> adds to the text <see cref="Decode(IEnumerable{int}, bool)"/> builds
    /// (0 for ids it skips), so positions in a decoded text can be traced back to the tokens that wrote them.
    /// </summary>
    public int DecodedByteCount(int id, bool skipSpecialTokens = false) =>
        (uint)id >= (uint)_idToBytes.Length || _idToBytes[id] is not { } bytes || (skipSpecialTokens && _isSpecial[id]) ? 0 : bytes.Length;

    /// <summary>The id of a vocabulary token (byte-level spelling, e.g. "Ġworld") or added token; null if none.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (_addedByContent.TryGetValue(token, out var added))
        {
            return added.Id;
        }
        return _vocab.TryGetValue(token, out var id) ? id : null;
    }

    /// <summary>The token string of <paramref name="id"/> (byte-level spelling or added token content); null if unused.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>True for ids of added tokens flagged special.</summary>
    public bool IsSpecialToken(int id) => (uint)id < (uint)_isSpecial.Length && _isSpecial[id];

    /// <summary>
    /// Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> (eos, pad, added tokens, chat template)
    /// into <paramref name="dir"/> so that Hugging Face <c>AutoTokenizer</c> and this class load it.
    /// </summary>
    public void Save(string dir) => TokenizerWriter.Write(_definition, dir, IdToToken(EosTokenId)!, PadTokenId is { } pad ? IdToToken(pad) : null);

    /// <inheritdoc />
    protected override EncodeResults<Microsoft.ML.Tokenizers.EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var source = text ?? textSpan.ToString();
        var tokens = new List<EncodedToken>();
        Encode(source, parseSpecialTokens: true, null, tokens);
        var (kept, consumed) = Truncate(tokens, source.Length, settings.MaxTokenCount);
        var result = new List<Microsoft.ML.Tokenizers.EncodedToken>(kept);
        for (var i = 0; i < kept; i++)
        {
            result.Add(new Microsoft.ML.Tokenizers.EncodedToken(tokens[i].Id, tokens[i].Value, tokens[i].Offset));
        }
        return new EncodeResults<Microsoft.ML.Tokenizers.EncodedToken> { Tokens = result, NormalizedText = null, CharsConsumed = consumed };
    }

    /// <inheritdoc />
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var source = text ?? textSpan.ToString();
        if (settings.MaxTokenCount == int.MaxValue)
        {
            var ids = new List<int>(source.Length / 3 + 4);
            Encode(source, parseSpecialTokens: true, ids, null);
            return new EncodeResults<int> { Tokens = ids, NormalizedText = null, CharsConsumed = source.Length };
        }
        var tokens = EncodeToTokens(source, default, settings);
        return new EncodeResults<int> { Tokens = tokens.Tokens.Select(t => t.Id).ToList(), NormalizedText = null, CharsConsumed = tokens.CharsConsumed };
    }

    /// <inheritdoc />
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var source = text ?? textSpan.ToString();
        return settings.MaxTokenCount == int.MaxValue
            ? Encode(source, parseSpecialTokens: true, null, null)
            : EncodeToTokens(source, default, settings).Tokens.Count;
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: false);

    /// <summary>
    /// Decodes into <paramref name="destination"/>; when it is too small, writes the text of the longest run of
    /// leading ids whose text fits and is a prefix of the whole (a token may end inside a character's UTF-8 bytes).
    /// </summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids as IReadOnlyList<int> ?? ids.ToList();
        var whole = Decode(list, skipSpecialTokens: false);
        var count = list.Count;
        var text = whole;
        while (text.Length > destination.Length || !whole.StartsWith(text, StringComparison.Ordinal))
        {
            count--;
            text = Decode(list.Take(count), skipSpecialTokens: false);
        }
        text.CopyTo(destination);
        (idsConsumed, charsWritten) = (count, text.Length);
        return count == list.Count ? OperationStatus.Done : OperationStatus.DestinationTooSmall;
    }

    /// <summary>
    /// How many of <paramref name="tokens"/> fit in <paramref name="maxTokens"/> without splitting a character's
    /// byte-level tokens, and the characters they cover.
    /// </summary>
    private static (int Kept, int CharsConsumed) Truncate(List<EncodedToken> tokens, int textLength, int maxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxTokens);
        if (tokens.Count <= maxTokens)
        {
            return (tokens.Count, textLength);
        }
        var kept = maxTokens;
        // Tokens holding bytes of the same character share its offset: keep all of them or none.
        while (kept > 0 && tokens[kept].Offset.Start.Value < tokens[kept - 1].Offset.End.Value)
        {
            kept--;
        }
        return (kept, kept == 0 ? 0 : tokens[kept - 1].Offset.End.Value);
    }

    /// <summary>Core encoder; fills <paramref name="ids"/> and/or <paramref name="tokens"/>; returns the token count.</summary>
    private int Encode(string text, bool parseSpecialTokens, List<int>? ids, List<EncodedToken>? tokens)
    {
        var segments = new List<AddedTokenSplitter.Segment>();
        _splitter.Split(text, parseSpecialTokens, segments);
        var count = 0;
        foreach (var segment in segments)
        {
            if (segment.Token is { } added)
            {
                ids?.Add(added.Id);
                tokens?.Add(new EncodedToken(added.Id, added.Content, new Range(segment.Start, segment.End)));
                count++;
                continue;
            }
            count += EncodeRun(text, segment.Start, segment.End, ids, tokens);
        }
        return count;
    }

    /// <summary>Encodes the ordinary text text[start..end): NFC, split, byte-level BPE.</summary>
    private int EncodeRun(string text, int start, int end, List<int>? ids, List<EncodedToken>? tokens)
    {
        var run = text.AsSpan(start, end - start);
        NfcText nfc = default;
        if (_definition.NfcNormalize && !NfcText.IsTriviallyNfc(run))
        {
            nfc = NfcText.Create(run.ToString(), tokens is not null);
            run = nfc.Text.AsSpan();
        }
        var count = 0;
        var position = 0;
        while (position < run.Length)
        {
            var pieceEnd = Qwen2PreTokenizer.PieceEnd(run, position, _definition.MaxDigitRun);
            var piece = run[position..pieceEnd];
            var pieceIds = PieceIds(piece);
            count += pieceIds.Length;
            ids?.AddRange(pieceIds);
            if (tokens is not null)
            {
                AddTokensWithOffsets(piece, position, pieceIds, nfc, start, tokens);
            }
            position = pieceEnd;
        }
        return count;
    }

    /// <summary>The BPE ids of one pre-token, from the cache when seen before.</summary>
    private int[] PieceIds(ReadOnlySpan<char> piece)
    {
        if (_cacheBySpan.TryGetValue(piece, out var cached))
        {
            return cached;
        }
        var byteCount = Encoding.UTF8.GetByteCount(piece);
        Span<byte> bytes = byteCount <= 512 ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(piece, bytes);
        Span<int> symbols = byteCount <= 512 ? stackalloc int[byteCount] : new int[byteCount];
        for (var k = 0; k < byteCount; k++)
        {
            symbols[k] = _byteIds[bytes[k]];
        }
        var result = _definition.IgnoreMerges && WholeWordId(bytes) is { } whole ? new[] { whole } : symbols[.._merger.Merge(symbols)].ToArray();
        if (piece.Length <= MaxCachedPieceLength)
        {
            // ConcurrentDictionary.Count takes every lock: keep an approximate count instead.
            if (Interlocked.Increment(ref _cachedPieces) > MaxCachedPieces)
            {
                _cache.Clear();
                Interlocked.Exchange(ref _cachedPieces, 0);
            }
            _cacheBySpan.TryAdd(piece, result);
        }
        return result;
    }

    /// <summary>ignore_merges: the id of the pre-token's byte-level spelling when the vocabulary holds it whole.</summary>
    private int? WholeWordId(ReadOnlySpan<byte> bytes)
    {
        Span<char> spelled = bytes.Length <= 256 ? stackalloc char[bytes.Length] : new char[bytes.Length];
        for (var k = 0; k < bytes.Length; k++)
        {
            spelled[k] = ByteLevelAlphabet.ByteToChar[bytes[k]];
        }
        return _vocabBySpan.TryGetValue(spelled, out var id) ? id : null;
    }

    /// <summary>Adds the tokens of one piece with offsets mapped from UTF-8 bytes to characters of the caller's text.</summary>
    private void AddTokensWithOffsets(ReadOnlySpan<char> piece, int pieceStart, int[] pieceIds, NfcText nfc, int runStart, List<EncodedToken> tokens)
    {
        // byteToChar[b] = index (within the piece) of the character that UTF-8 byte b belongs to.
        var byteCount = Encoding.UTF8.GetByteCount(piece);
        var byteToChar = new int[byteCount];
        var b = 0;
        for (var c = 0; c < piece.Length;)
        {
            var length = char.IsHighSurrogate(piece[c]) && c + 1 < piece.Length && char.IsLowSurrogate(piece[c + 1]) ? 2 : 1;
            var width = Encoding.UTF8.GetByteCount(piece.Slice(c, length));
            for (var k = 0; k < width; k++)
            {
                byteToChar[b++] = c;
            }
            c += length;
        }
        var byteStart = 0;
        foreach (var id in pieceIds)
        {
            var byteEnd = byteStart + _idToBytes[id]!.Length;
            var charStart = byteToChar[byteStart];
            var lastChar = byteToChar[byteEnd - 1];
            var charEnd = lastChar + (char.IsHighSurrogate(piece[lastChar]) && lastChar + 1 < piece.Length ? 2 : 1);
            var origin = nfc.Text is null
                ? new Range(pieceStart + charStart, pieceStart + charEnd)
                : nfc.OriginOf(pieceStart + charStart, pieceStart + charEnd);
            tokens.Add(new EncodedToken(id, _idToToken[id]!, new Range(runStart + origin.Start.Value, runStart + origin.End.Value)));
            byteStart = byteEnd;
        }
    }

    private int RequiredAdded(string content, string source) =>
        TokenToId(content) ?? throw new TokenizerFileException(source, $"lacks the {content} token that chat formatting needs (Qwen's <|im_start|>/<|im_end|> or Llama 3's <|start_header_id|>/<|eot_id|>)");

    /// <summary>Turns merge strings into (left id, right id, merged id), refusing merges outside the vocabulary.</summary>
    private static List<(int, int, int)> ResolveMerges(TokenizerDefinition definition, Dictionary<string, int> vocab, string source)
    {
        var resolved = new List<(int, int, int)>(definition.Merges.Count);
        var bySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> joined = stackalloc char[256];
        for (var rank = 0; rank < definition.Merges.Count; rank++)
        {
            var (left, right) = definition.Merges[rank];
            var length = left.Length + right.Length;
            // Look the merged token up without allocating the concatenation (151k merges in Qwen2).
            var buffer = length <= joined.Length ? joined[..length] : new char[length];
            left.CopyTo(buffer);
            right.CopyTo(buffer[left.Length..]);
            if (!vocab.TryGetValue(left, out var leftId) || !vocab.TryGetValue(right, out var rightId)
                || !bySpan.TryGetValue(buffer, out var resultId))
            {
                throw new TokenizerFileException(source, $"merge {rank} (\"{left} {right}\") uses a token that is not in the vocabulary; the merges do not belong to this vocab");
            }
            resolved.Add((leftId, rightId, resultId));
        }
        return resolved;
    }
}
