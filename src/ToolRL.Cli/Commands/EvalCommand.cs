using System.CommandLine;
using ToolRL.Evaluation.Bfcl;
using ToolRL.Generation;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl eval bfcl --data DIR [--categories a,b] (--model DIR [--adapter DIR] | --responses FILE) --output OUT</c>: BFCL v3's
/// Python AST categories with the ToolRL paper's handler. With a model it generates (greedy, or
/// <c>--samples n --temperature t</c>) and checks; with <c>--responses</c> it only checks. Writes
/// <c>OUT/verdicts.jsonl</c> and <c>OUT/scores.json</c> (and the generated <c>OUT/responses.jsonl</c>) and prints the table.
/// </summary>
public sealed class EvalCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var eval = new Command("eval", "Evaluate a model on a public benchmark.");
        eval.Subcommands.Add(BuildBfcl());
        eval.Subcommands.Add(BuildBfclRows());
        return eval;
    }

    // toolrl eval bfcl-rows --data DIR [--categories …] [--limit N] --output FILE.jsonl
    private static Command BuildBfclRows()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder with BFCL_v3_<category>.json and possible_answer/.", Required = true };
        var categories = new Option<string[]>("--categories") { Description = "Categories to convert (default: every known one present).", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int?>("--limit") { Description = "Only the first N entries of each category." };
        var output = new Option<FileInfo>("--output") { Description = "The RL JSONL file to write (data.val_files of a training config).", Required = true };
        var command = new Command("bfcl-rows",
            "Write BFCL entries as RL rows (ToolRL prompt, ToolRL-format answer, extra_info.bfcl) for validation with the bfcl_ast reward.")
        {
            data, categories, limit, output,
        };
        command.SetAction(parse =>
        {
            var entries = Select(BfclDataset.Load(parse.GetValue(data)!.FullName, SplitCategories(parse.GetValue(categories))), parse.GetValue(limit));
            var file = parse.GetValue(output)!;
            BfclRows.Write(file.FullName, entries);
            Console.Error.WriteLine($"eval bfcl-rows: {entries.Count} rows → {file.FullName}");
            return 0;
        });
        return command;
    }

    private static List<BfclEntry> Select(BfclDataset dataset, int? limit)
    {
        if (limit is < 1)
        {
            throw new UsageException($"--limit must be at least 1 (got {limit})");
        }
        return limit is { } n ? [.. dataset.Entries.GroupBy(e => e.Category).SelectMany(g => g.Take(n))] : [.. dataset.Entries];
    }

    private static Command BuildBfcl()
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder with BFCL_v3_<category>.json and possible_answer/.", Required = true };
        var categories = new Option<string[]>("--categories")
        {
            Description = $"Categories to evaluate, comma- or space-separated (default: every known one present: {string.Join(", ", BfclCategories.All)}).",
            AllowMultipleArgumentsPerToken = true,
        };
        var model = new Option<DirectoryInfo?>("--model") { Description = "Qwen2/Qwen2.5 folder to generate the responses with." };
        var adapter = ModelCommandSupport.AdapterOption();
        var responses = new Option<FileInfo?>("--responses") { Description = "JSONL of {\"id\", \"category\", \"response\"}: check these instead of generating." };
        var output = new Option<DirectoryInfo>("--output") { Description = "Folder for verdicts.jsonl and scores.json.", Required = true };
        var samples = new Option<int>("--samples") { Description = "Responses per entry (pass@k, pass^k); > 1 needs --temperature > 0.", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling mass.", DefaultValueFactory = _ => 1.0 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Generated tokens at most per response.", DefaultValueFactory = _ => 512 };
        var batch = new Option<int>("--batch-size") { Description = "Prompts generated together.", DefaultValueFactory = _ => 8 };
        var limit = new Option<int?>("--limit") { Description = "Only the first N entries of each category (quick runs)." };
        var seed = new Option<long>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 0 };
        var dtype = ModelCommandSupport.DTypeOption();
        var device = ModelCommandSupport.DeviceOption();
        var command = new Command("bfcl", "BFCL v3 (Python AST categories) with the ToolRL paper's prompt and decoding.")
        {
            data, categories, model, adapter, responses, output, samples, temperature, topP, maxNew, batch, limit, seed, dtype, device,
        };
        command.SetAction(parse => Run(new BfclRunOptions(
            parse.GetValue(data)!, SplitCategories(parse.GetValue(categories)), parse.GetValue(model), parse.GetValue(responses),
            parse.GetValue(output)!, parse.GetValue(samples), parse.GetValue(temperature), parse.GetValue(topP), parse.GetValue(maxNew),
            parse.GetValue(batch), parse.GetValue(limit), parse.GetValue(seed), parse.GetValue(dtype), parse.GetValue(device))
        {
            Adapter = parse.GetValue(adapter),
        }));
        return command;
    }

    private sealed record BfclRunOptions(DirectoryInfo Data, IReadOnlyList<string>? Categories, DirectoryInfo? Model, FileInfo? Responses,
        DirectoryInfo Output, int Samples, double Temperature, double TopP, int MaxNewTokens, int BatchSize, int? Limit, long Seed,
        string? DType, string? Device)
    {
        /// <summary>A LoRA adapter applied to <see cref="Model"/> (unmerged).</summary>
        public DirectoryInfo? Adapter { get; init; }
    }

    private static List<string>? SplitCategories(string[]? values) =>
        values is null || values.Length == 0 ? null
            : [.. values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];

    private static int Run(BfclRunOptions o)
    {
        if ((o.Model is null) == (o.Responses is null))
        {
            throw new UsageException("give exactly one of --model DIR (generate, then check) or --responses FILE (check only)");
        }
        if (o.Adapter is not null && o.Model is null)
        {
            throw new UsageException("--adapter applies to the model of --model; fix: add --model DIR (the adapter's base model)");
        }
        if (o.Samples < 1 || o.BatchSize < 1 || o.MaxNewTokens < 1)
        {
            throw new UsageException($"--samples, --batch-size and --max-new-tokens must be at least 1 (got {o.Samples}, {o.BatchSize}, {o.MaxNewTokens})");
        }
        if (o.Samples > 1 && !(o.Temperature > 0))
        {
            throw new UsageException($"--samples {o.Samples} with --temperature {o.Temperature} would repeat one greedy response; fix: set --temperature > 0 (e.g. 0.7)");
        }
        var entries = Select(BfclDataset.Load(o.Data.FullName, o.Categories), o.Limit);
        IReadOnlyList<BfclResponse> responses;
        if (o.Responses is { } file)
        {
            responses = BfclReport.ReadResponses(file.Exists ? file.FullName : throw new FileNotFoundException($"--responses {file.FullName}: file not found"));
        }
        else
        {
            responses = Generate(o, entries);
            BfclReport.WriteResponses(o.Output.FullName, responses);   // kept: they can be checked again without the model
        }
        var verdicts = BfclReport.CheckAll(entries, responses);
        var scores = BfclScores.Compute(verdicts);
        BfclReport.Write(o.Output.FullName, verdicts, scores);
        Console.Out.Write(scores.ToTable());
        Console.Error.WriteLine($"eval bfcl: {entries.Count} entries × {scores.Samples} → {Path.Combine(o.Output.FullName, "verdicts.jsonl")}, scores.json");
        return 0;
    }

    private static List<BfclResponse> Generate(BfclRunOptions o, IReadOnlyList<BfclEntry> entries)
    {
        var tokenizer = ModelCommandSupport.Tokenizer(o.Model!);
        using var model = ModelCommandSupport.Load(o.Model!, o.DType, o.Device, o.Adapter);
        var options = GenerationOptions.From(null, model.Config) with
        {
            MaxNewTokens = o.MaxNewTokens,
            DoSample = o.Temperature > 0,
            Temperature = o.Temperature > 0 ? o.Temperature : 1.0,
            TopP = o.TopP,
            Seed = o.Seed,
        };
        var eos = options.EosTokenIds.ToList();
        if (!eos.Contains(tokenizer.ImEndTokenId))
        {
            eos.Add(tokenizer.ImEndTokenId);   // the assistant turn ends with <|im_end|>
        }
        options = options with { EosTokenIds = eos };
        var responses = new List<BfclResponse>();
        for (var start = 0; start < entries.Count; start += o.BatchSize)
        {
            var batch = entries.Skip(start).Take(o.BatchSize).ToList();
            var prompts = batch.Select(e => (IReadOnlyList<int>)tokenizer.EncodeToIds(ToolRLBfclHandler.FormatPrompt(e))).ToList();
            // A seed per batch: one seed for all would replay the same random stream in every batch.
            var generated = Sampler.Generate(model, prompts, options with { Seed = o.Seed + start }, o.Samples,
                tokens => tokenizer.Decode(tokens, skipSpecialTokens: true));
            responses.AddRange(generated.Select(g => new BfclResponse(batch[g.PromptIndex].Id, batch[g.PromptIndex].Category, g.Text ?? "")));
            Console.Error.WriteLine($"eval bfcl: generated {Math.Min(start + o.BatchSize, entries.Count)}/{entries.Count}");
        }
        return responses;
    }
}
