using System.CommandLine;
using ToolRL.Generation;
using ToolRL.Tokenization;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl generate --model DIR --prompt TEXT [--chat] [--max-new-tokens N] [--temperature T] [--top-p P] [--top-k K]
/// [--seed S] [--adapter DIR [--merge]]</c>: prints the completion. With --adapter the LoRA adapter runs unmerged (x·Wᵀ plus
/// the small x·Aᵀ·Bᵀ products in every step), or folded into the weights in place with --merge (base-model speed). Sampling defaults come from the folder's generation_config.json; a
/// temperature of 0 decodes greedily.
/// </summary>
public sealed class GenerateCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = ModelCommandSupport.ModelOption();
        var prompt = new Option<string>("--prompt") { Description = "The prompt text (the user message with --chat).", Required = true };
        var chat = new Option<bool>("--chat") { Description = "Wrap the prompt as a user turn in the model family's chat template (Qwen2.5, Qwen3 or Llama 3)." };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Generated tokens at most.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature; 0 = greedy (default: generation_config.json, else greedy)." };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling mass (default: generation_config.json, else 1)." };
        var topK = new Option<int?>("--top-k") { Description = "Keep the k most likely tokens; 0 = off (default: generation_config.json, else 0)." };
        var seed = new Option<long>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var dtype = ModelCommandSupport.DTypeOption();
        var device = ModelCommandSupport.DeviceOption();
        var adapter = ModelCommandSupport.AdapterOption();
        var merge = new Option<bool>("--merge") { Description = "With --adapter: merge it into the weights before generating (faster; equal up to rounding)." };
        var command = new Command("generate", "Generate a completion with a Qwen2/Qwen2.5, Qwen3 or Llama 3.x model.")
        {
            model, prompt, chat, maxNew, temperature, topP, topK, seed, dtype, device, adapter, merge,
        };
        command.SetAction(parse => Run(parse.InvocationConfiguration, parse.GetValue(model)!, parse.GetValue(prompt)!, parse.GetValue(chat), parse.GetValue(maxNew),
            parse.GetValue(temperature), parse.GetValue(topP), parse.GetValue(topK), parse.GetValue(seed), parse.GetValue(dtype),
            parse.GetValue(device), parse.GetValue(adapter), parse.GetValue(merge)));
        return command;
    }

    private static int Run(InvocationConfiguration console, DirectoryInfo dir, string prompt, bool chat, int maxNew, double? temperature, double? topP, int? topK, long seed,
        string? dtype, string? device, DirectoryInfo? adapter, bool merge)
    {
        if (merge && adapter is null)
        {
            throw new UsageException("--merge needs --adapter DIR; fix: add the adapter folder or drop --merge.");
        }
        var tokenizer = ModelCommandSupport.Tokenizer(dir);
        using var model = ModelCommandSupport.Load(dir, dtype, device, adapter);
        if (merge)
        {
            model.Model.MergeAdapters();
        }
        var options = GenerationOptions.From(model.GenerationConfig, model.Config) with { MaxNewTokens = maxNew, Seed = seed };
        if (model.GenerationConfig is null)
        {
            options = options with { DoSample = false };   // no published defaults: greedy unless asked otherwise
        }
        if (temperature is { } t)
        {
            options = options with { Temperature = t, DoSample = t > 0 };
        }
        options = options with { TopP = topP ?? options.TopP, TopK = topK ?? options.TopK };
        var eos = options.EosTokenIds.ToList();
        if (chat && !eos.Contains(tokenizer.ImEndTokenId))
        {
            eos.Add(tokenizer.ImEndTokenId);   // a chat turn ends with <|im_end|> / <|eot_id|>
        }
        options = options with { EosTokenIds = eos };
        var text = chat ? tokenizer.ChatDialect.Render([new ChatMessage("user", prompt)], addGenerationPrompt: true) : prompt;
        var ids = tokenizer.EncodeToIds(text);
        options = options with { MaxNewTokens = CapToContext(maxNew, ids.Count, model.Config.MaxPositionEmbeddings, console.Error) };
        var result = Sampler.Generate(model, [ids], options, decode: tokens => tokenizer.Decode(tokens, skipSpecialTokens: true))[0];
        console.Output.WriteLine(result.Text);
        var template = chat ? $", {tokenizer.ChatDialect} chat template" : "";
        console.Error.WriteLine($"generate: {result.TokenIds.Count} tokens, finish reason {result.FinishReason.ToString().ToLowerInvariant()} (prompt {ids.Count} tokens{template})");
        return 0;
    }

    /// <summary>
    /// <paramref name="maxNew"/>, or what fits in the model's context after the prompt (with a note saying so): a
    /// request past the context could never be honoured and would only allocate a cache for it.
    /// </summary>
    public static int CapToContext(int maxNew, int promptTokens, long context, TextWriter notes)
    {
        if (maxNew < 1)
        {
            throw new UsageException($"--max-new-tokens {maxNew}: must be at least 1");
        }
        var room = context - promptTokens;
        if (room < 1)
        {
            throw new UsageException($"the prompt is {promptTokens} tokens, the model's whole context (max_position_embeddings {context}); fix: shorten the prompt");
        }
        if (maxNew <= room)
        {
            return maxNew;
        }
        notes.WriteLine($"generate: --max-new-tokens {maxNew} capped to {room}: the model's context is {context} tokens and the prompt takes {promptTokens}");
        return (int)room;
    }
}
