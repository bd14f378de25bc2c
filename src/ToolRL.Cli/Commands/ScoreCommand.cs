using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ToolRL.Models;
using ToolRL.Tokenization;
using ToolRL.Torch.IO;
using static ToolRL.Torch.torch;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl score --model DIR [--adapter LORA] --input FILE.jsonl [--output OUT.jsonl]</c>: each line has <c>"ids"</c> (or
/// <c>"text"</c>, tokenized with the model's tokenizer and then given <c>"ids"</c>) and gets <c>"logprobs"</c>:
/// log p(x_t | x_&lt;t) for t = 1 … n−1, in order.
/// </summary>
public sealed class ScoreCommand : ICliCommand
{
    private static readonly JsonSerializerOptions OutputOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public Command Build()
    {
        var model = ModelCommandSupport.ModelOption();
        var input = new Option<FileInfo>("--input") { Description = "JSONL: lines with \"ids\" (token ids) or \"text\".", Required = true };
        var output = new Option<FileInfo?>("--output") { Description = "Where to write the JSONL result (default: standard output)." };
        var dtype = ModelCommandSupport.DTypeOption();
        var device = ModelCommandSupport.DeviceOption();
        var adapter = ModelCommandSupport.AdapterOption();
        var command = new Command("score", "Add per-token log-probabilities of each line under a Qwen2/Qwen2.5 model.") { model, input, output, dtype, device, adapter };
        command.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(output), parse.GetValue(dtype), parse.GetValue(device),
            parse.GetValue(adapter)));
        return command;
    }

    private static int Run(DirectoryInfo dir, FileInfo input, FileInfo? output, string? dtype, string? device, DirectoryInfo? adapter)
    {
        try
        {
            if (!input.Exists)
            {
                throw new FormatException($"{input.FullName}: file not found");
            }
            using var model = ModelCommandSupport.Load(dir, dtype, device, adapter);
            Qwen2Tokenizer? tokenizer = null;
            var lines = new List<string>();
            var lineNumber = 0;
            foreach (var line in File.ReadLines(input.FullName))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                lines.Add(ScoreLine(model, () => tokenizer ??= ModelCommandSupport.Tokenizer(dir), line, $"{input.FullName}:{lineNumber}"));
            }
            if (output is null)
            {
                foreach (var line in lines)
                {
                    Console.Out.WriteLine(line);
                }
            }
            else
            {
                // Everything is scored before anything is written: a bad line leaves no half-written output.
                AtomicFile.WriteAllLines(output.FullName, lines);
                Console.Error.WriteLine($"score: {lines.Count} lines → {output.FullName}");
            }
            return 0;
        }
        catch (Exception e) when (ModelCommandSupport.IsUserError(e))
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>Adds <c>"logprobs"</c> (and <c>"ids"</c> for text lines) to one JSON line; <paramref name="where"/> (file:line) prefixes errors.</summary>
    public static string ScoreLine(Qwen2ForCausalLM model, Func<Qwen2Tokenizer> tokenizer, string line, string where)
    {
        JsonObject row;
        try
        {
            row = JsonNode.Parse(line) as JsonObject ?? throw new FormatException($"{where}: a line must be a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{where}: not valid JSON ({e.Message})", e);
        }
        long[] ids;
        if (row["ids"] is JsonArray array)
        {
            ids = new long[array.Count];
            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<long>(out ids[i])
                    || ids[i] < 0 || ids[i] >= model.Config.VocabSize)
                {
                    throw new FormatException(
                        $"{where}: \"ids\"[{i}] = {array[i]?.ToJsonString() ?? "null"} is not a token id in [0, {model.Config.VocabSize}); fix: use ids of this model's tokenizer");
                }
            }
        }
        else if (row["text"] is JsonValue text && text.GetValueKind() == JsonValueKind.String)
        {
            ids = tokenizer().EncodeToIds(text.GetValue<string>()).Select(x => (long)x).ToArray();
            row["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]);
        }
        else
        {
            throw new FormatException($"{where}: needs an \"ids\" array of token ids or a string \"text\"");
        }
        float[] logprobs = [];
        if (ids.Length > 1)
        {
            using var scope = NewScope();
            using var noGrad = NoGrad();
            var input = FromArray(ids, 1, ids.Length).To(model.Device);
            var ones = OnesLike(input);
            var (lp, _) = LogProbs.ComputeMasked(model, input, ones, ones, new LogProbOptions { WithEntropy = false });
            logprobs = lp.Narrow(1, 1, ids.Length - 1).To(ToolRL.Torch.Device.Cpu).Contiguous().ToArray<float>();
        }
        row["logprobs"] = new JsonArray([.. logprobs.Select(x => (JsonNode)x)]);
        return row.ToJsonString(OutputOptions);
    }
}
