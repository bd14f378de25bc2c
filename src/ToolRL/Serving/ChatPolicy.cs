using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ToolRL.Agents.Rollout;
using ToolRL.Generation;
using ToolRL.Models;
using ToolRL.Tokenization;

namespace ToolRL.Serving;

/// <summary>
/// A loaded policy (model + tokenizer) that answers chats: renders the messages and tool schemas with its model family's
/// chat template (<see cref="Qwen2Tokenizer.ChatDialect"/>), generates with <see cref="ContinuousBatcher"/> (the token
/// choice of <see cref="Sampler"/>, the path of <c>toolrl generate</c>) and reads the assistant's tool calls in the same
/// dialect (Qwen's <c>&lt;tool_call&gt;</c> blocks, Llama 3's JSON reply) with <see cref="TurnParser"/>. The in-process <see cref="PolicyChatClient"/> and the
/// <c>toolrl serve</c> HTTP server both sit on it. Concurrent requests share one generation batch
/// (<see cref="ContinuousBatcher"/>): a request joins the running batch at the next decode step.
/// </summary>
public sealed class ChatPolicy : IDisposable
{
    private readonly bool _ownsModel;
    private readonly Lazy<string[]> _tokenTexts;

    /// <summary>Wraps a loaded <paramref name="model"/> and its <paramref name="tokenizer"/>.</summary>
    /// <param name="model">The model, in eval mode.</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="modelId">The name clients use for it (OpenAI's <c>model</c> field).</param>
    /// <param name="ownsModel">Dispose the model with this policy.</param>
    /// <param name="maxBatchRows">Replies (rows) generated together at most; more requests wait for room.</param>
    public ChatPolicy(Qwen2ForCausalLM model, Qwen2Tokenizer tokenizer, string modelId, bool ownsModel = false, int maxBatchRows = 64)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        Model = model;
        Tokenizer = tokenizer;
        ModelId = modelId;
        _ownsModel = ownsModel;
        _tokenTexts = new Lazy<string[]>(() => Enumerable.Range(0, (int)model.Config.VocabSize).Select(id => Decode([id])).ToArray());
        Batcher = new ContinuousBatcher(model, Decode, maxBatchRows);
    }

    /// <summary>
    /// Loads the Hugging Face folder <paramref name="modelDirectory"/> (config.json, safetensors, tokenizer files) and,
    /// when given, the LoRA adapter folder <paramref name="adapterDirectory"/> (unmerged). The model id defaults to the
    /// folder name; <paramref name="maxBatchRows"/> bounds the replies generated together.
    /// </summary>
    public static ChatPolicy Load(string modelDirectory, string? adapterDirectory = null, string? modelId = null, int maxBatchRows = 64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelDirectory);
        var tokenizer = Qwen2Tokenizer.FromDirectory(modelDirectory);
        var model = Qwen2ForCausalLM.FromPretrained(modelDirectory);
        try
        {
            if (adapterDirectory is not null)
            {
                model.LoadAdapter(adapterDirectory);
            }
            model.Eval();
            var id = modelId ?? new DirectoryInfo(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory))).Name;
            return new ChatPolicy(model, tokenizer, id, ownsModel: true, maxBatchRows);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model.</summary>
    public Qwen2ForCausalLM Model { get; }

    /// <summary>The tokenizer.</summary>
    public Qwen2Tokenizer Tokenizer { get; }

    /// <summary>The running generation batch all replies are produced in.</summary>
    public ContinuousBatcher Batcher { get; }

    /// <summary>The text of every vocabulary id on its own (for constrained decoding), built on first use.</summary>
    internal IReadOnlyList<string> TokenTexts => _tokenTexts.Value;

    /// <summary>The name clients use for the model.</summary>
    public string ModelId { get; }

    /// <summary>Prompt plus generated tokens at most (config.json <c>max_position_embeddings</c>).</summary>
    public int ContextLength => (int)Math.Min(int.MaxValue, Model.Config.MaxPositionEmbeddings);

    /// <summary>
    /// The prompt text of <paramref name="messages"/> with <paramref name="tools"/> (OpenAI function schemas) in
    /// <paramref name="dialect"/>'s chat template (a policy renders with its tokenizer's, <see cref="Qwen2Tokenizer.ChatDialect"/>;
    /// null is Qwen2.5's, the template of the tokenizers trained here), ending with the assistant header.
    /// </summary>
    public static string RenderPrompt(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools, ChatDialect? dialect = null) =>
        (dialect ?? ChatDialect.Qwen25).Render(messages, tools, addGenerationPrompt: true);

    /// <summary>The prompt token ids of <paramref name="messages"/> with <paramref name="tools"/>, in the model family's template.</summary>
    public IReadOnlyList<int> EncodePrompt(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools) =>
        Tokenizer.EncodeToIds(RenderPrompt(messages, tools, Tokenizer.ChatDialect));

    /// <summary>
    /// The generation options of a request: the folder's generation_config.json defaults (greedy when it has none),
    /// overridden by the request's settings, ending at the model's eos ids and the end of turn (<c>&lt;|im_end|&gt;</c>, <c>&lt;|eot_id|&gt;</c>).
    /// </summary>
    public GenerationOptions Options(ChatSampling sampling, int promptTokens)
    {
        ArgumentNullException.ThrowIfNull(sampling);
        var options = GenerationOptions.From(Model.GenerationConfig, Model.Config);
        if (Model.GenerationConfig is null)
        {
            options = options with { DoSample = false };
        }
        if (sampling.Temperature is { } t)
        {
            options = options with { Temperature = t, DoSample = t > 0 };
        }
        var room = ContextLength - promptTokens;
        if (room <= 0)
        {
            throw new PromptTooLongException(
                $"the prompt has {promptTokens} tokens but the model's context length is {ContextLength}; fix: shorten the messages or the tools");
        }
        if (sampling.MaxTokens is { } max && max > room)
        {
            throw new PromptTooLongException(
                $"the prompt has {promptTokens} tokens and max_tokens is {max}, over the model's context length {ContextLength}; fix: ask for at most {room} tokens");
        }
        var eos = options.EosTokenIds.ToList();
        if (!eos.Contains(Tokenizer.ImEndTokenId))
        {
            eos.Add(Tokenizer.ImEndTokenId);   // an assistant turn ends with <|im_end|> / <|eot_id|>
        }
        if (sampling.Choices < 1)
        {
            throw new ArgumentException($"Choices = {sampling.Choices} must be at least 1; fix: ask for 1 or more replies");
        }
        options = options with
        {
            TopP = sampling.TopP ?? options.TopP,
            MaxNewTokens = sampling.MaxTokens ?? Math.Min(options.MaxNewTokens, room),
            Seed = sampling.Seed ?? 0,
            StopStrings = sampling.Stop,
            EosTokenIds = eos,
        };
        options.Validate();
        return options;
    }

    /// <summary>
    /// The first reply to <paramref name="messages"/>, waiting for it (for scripts and other synchronous callers; see
    /// <see cref="CompleteAsync"/>).
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt (plus <see cref="ChatSampling.MaxTokens"/>) exceeds <see cref="ContextLength"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public ChatCompletion Complete(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools, ChatSampling sampling) =>
        CompleteAsync(messages, tools, sampling).GetAwaiter().GetResult()[0];

    /// <summary>
    /// Generates <see cref="ChatSampling.Choices"/> replies to <paramref name="messages"/> (see <see cref="StreamAsync"/>)
    /// and returns them whole, in choice order.
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt (plus <see cref="ChatSampling.MaxTokens"/>) exceeds <see cref="ContextLength"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public async Task<IReadOnlyList<ChatCompletion>> CompleteAsync(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools,
        ChatSampling sampling, ToolChoice? toolChoice = null, CancellationToken cancellationToken = default)
    {
        var choices = new ChatCompletion[sampling?.Choices ?? 1];
        await foreach (var delta in GenerateAsync(messages, tools, sampling!, toolChoice, incremental: false, cancellationToken).ConfigureAwait(false))
        {
            if (delta.Completion is { } done)
            {
                choices[delta.Choice] = done;
            }
        }
        return choices;
    }

    /// <summary>
    /// Generates the assistant's replies to <paramref name="messages"/> in the running batch (<see cref="Batcher"/>) and
    /// yields them as they are produced: text as it is decoded, then each tool call, then a last delta per choice with
    /// the whole <see cref="ChatCompletion"/>. With <paramref name="tools"/> (non-empty) the reply's
    /// <c>&lt;tool_call&gt;</c> blocks are read as calls; text from the first block on is held back until the reply ends,
    /// and a reply with an unreadable block is all text (what vLLM's hermes parser does). <paramref name="toolChoice"/>
    /// "required" or a named function constrains the reply to open with a call (of that function).
    /// </summary>
    /// <exception cref="PromptTooLongException">The prompt (plus <see cref="ChatSampling.MaxTokens"/>) exceeds <see cref="ContextLength"/>.</exception>
    /// <exception cref="ArgumentException">A setting is out of range (the message names it).</exception>
    public IAsyncEnumerable<ChatDelta> StreamAsync(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools,
        ChatSampling sampling, ToolChoice? toolChoice = null, CancellationToken cancellationToken = default) =>
        GenerateAsync(messages, tools, sampling, toolChoice, incremental: true, cancellationToken);

    /// <summary>
    /// <see cref="StreamAsync"/>; without <paramref name="incremental"/> no text deltas are decoded on the way (each
    /// token would decode the whole reply again), only the finished replies.
    /// </summary>
    private async IAsyncEnumerable<ChatDelta> GenerateAsync(IReadOnlyList<ChatMessage> messages, IReadOnlyList<JsonObject>? tools,
        ChatSampling sampling, ToolChoice? toolChoice, bool incremental, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(sampling);
        toolChoice ??= ToolChoice.Auto;
        var offered = toolChoice.Mode == ToolChoiceMode.None ? [] : tools ?? [];
        var constraint = ToolOpening.For(toolChoice, offered, this);
        var promptIds = EncodePrompt(messages, offered);
        var options = Options(sampling, promptIds.Count);
        var replies = Enumerable.Range(0, sampling.Choices).Select(_ => new ReplyText(Decode, options.StopStrings, offered.Count > 0 ? Tokenizer.ChatDialect : null, incremental)).ToArray();
        await foreach (var token in Batcher.GenerateAsync(promptIds, options, sampling.Choices, constraint, cancellationToken).ConfigureAwait(false))
        {
            var reply = replies[token.Sample];
            var text = reply.Add(token.TokenId, token.Finish is not null);
            if (text.Length > 0)
            {
                yield return new ChatDelta(token.Sample) { Content = text };
            }
            if (token.Finish is not { } finish)
            {
                continue;
            }
            var (content, calls) = ReadReply(reply.Text, offered.Count > 0, Tokenizer.ChatDialect);
            if (content.Length > reply.Sent.Length && content.StartsWith(reply.Sent, StringComparison.Ordinal))
            {
                yield return new ChatDelta(token.Sample) { Content = content[reply.Sent.Length..] };
            }
            for (var i = 0; i < calls.Count; i++)
            {
                yield return new ChatDelta(token.Sample) { ToolCall = calls[i], ToolCallIndex = i };
            }
            yield return new ChatDelta(token.Sample) { Completion = new ChatCompletion(promptIds.Count, reply.Ids, content, calls, finish) };
        }
    }

    /// <summary>
    /// The content and tool calls of a generated reply <paramref name="text"/> written in <paramref name="dialect"/>. When
    /// <paramref name="toolsOffered"/>, its tool-call blocks are the calls and the content is the text outside them; a
    /// reply with an unreadable block, or without tools offered, is all content.
    /// </summary>
    public static (string Content, IReadOnlyList<ChatToolCall> Calls) ReadReply(string text, bool toolsOffered, ChatDialect dialect)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!toolsOffered)
        {
            return (text, []);
        }
        var turn = TurnParser.Parse(text, dialect);
        if (turn.Calls.Count == 0 || turn.Calls.Any(c => c.Call is null))
        {
            return (text, []);
        }
        return (turn.Content, turn.Calls.Select(c => c.Call!).ToList());
    }

    /// <summary>Generated ids → text, special tokens (<c>&lt;|im_end|&gt;</c>) left out.</summary>
    internal string Decode(IReadOnlyList<int> ids) => Tokenizer.Decode(ids, skipSpecialTokens: true);

    /// <inheritdoc />
    public void Dispose()
    {
        Batcher.Dispose();
        if (_ownsModel)
        {
            Model.Dispose();
        }
    }
}

/// <summary>Per-request sampling settings; null takes the model's default (generation_config.json, else greedy).</summary>
public sealed record ChatSampling
{
    /// <summary>Softmax temperature; 0 decodes greedily.</summary>
    public double? Temperature { get; init; }

    /// <summary>Nucleus mass kept, in (0, 1].</summary>
    public double? TopP { get; init; }

    /// <summary>Generated tokens at most (default: generation_config.json's, within the context length).</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Seed of the sampling generator (default 0): the same seed and request give the same reply.</summary>
    public long? Seed { get; init; }

    /// <summary>Strings that end the reply (cut before them).</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary>Replies to generate for the prompt (OpenAI's <c>n</c>), sharing one prefill.</summary>
    public int Choices { get; init; } = 1;
}

/// <summary>The assistant's reply to a chat.</summary>
/// <param name="PromptTokens">Tokens of the rendered prompt.</param>
/// <param name="CompletionIds">The generated token ids (with the final eos id when it ended on one).</param>
/// <param name="Content">The text outside the tool calls (the whole text when there are none).</param>
/// <param name="ToolCalls">The calls the reply makes, in order (empty for a text answer).</param>
/// <param name="FinishReason">Why generation ended.</param>
public sealed record ChatCompletion(int PromptTokens, IReadOnlyList<int> CompletionIds, string Content,
    IReadOnlyList<ChatToolCall> ToolCalls, FinishReason FinishReason);

/// <summary>A prompt that does not fit the model's context length (HTTP 400 <c>context_length_exceeded</c>).</summary>
public sealed class PromptTooLongException : ArgumentException
{
    /// <summary>Creates the exception with its message.</summary>
    public PromptTooLongException(string message)
        : base(message)
    {
    }
}
