using ToolRL.Rewards.Python;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// BFCL v3 question and possible-answer files: <c>DIR/BFCL_v3_{category}.json</c> and
/// <c>DIR/possible_answer/BFCL_v3_{category}.json</c>, JSON Lines joined by <c>id</c>. Every line is checked on
/// load (function docs, ground-truth shape), so a malformed file is refused with the file, line and field rather
/// than half-read.
/// </summary>
public sealed class BfclDataset
{
    private BfclDataset(IReadOnlyList<string> categories, IReadOnlyList<BfclEntry> entries)
    {
        Categories = categories;
        Entries = entries;
    }

    /// <summary>The categories loaded, in the order asked (or BFCL's order).</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Every entry, category by category, in file order.</summary>
    public IReadOnlyList<BfclEntry> Entries { get; }

    /// <summary>Loads <paramref name="categories"/> from <paramref name="directory"/>; with none given, every known
    /// category whose question file is there (<see cref="BfclCategories.All"/>).</summary>
    /// <exception cref="FileNotFoundException">A question or possible-answer file is missing.</exception>
    /// <exception cref="FormatException">A line is not valid JSON or not in BFCL's format.</exception>
    public static BfclDataset Load(string directory, IEnumerable<string>? categories = null)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"BFCL data folder '{directory}' does not exist; fix: pass the folder holding BFCL_v3_<category>.json files.");
        }
        var chosen = categories?.ToList()
            ?? [.. BfclCategories.All.Where(c => File.Exists(Path.Combine(directory, BfclCategories.FileName(c))))];
        if (chosen.Count == 0)
        {
            throw new FileNotFoundException($"No BFCL_v3_<category>.json file of a known category ({string.Join(", ", BfclCategories.All)}) in '{directory}'.");
        }
        var entries = new List<BfclEntry>();
        foreach (var category in chosen.Distinct())
        {
            entries.AddRange(LoadCategory(directory, category));
        }
        return new BfclDataset([.. chosen.Distinct()], entries);
    }

    private static List<BfclEntry> LoadCategory(string directory, string category)
    {
        var questionPath = Path.Combine(directory, BfclCategories.FileName(category));
        if (!File.Exists(questionPath))
        {
            throw new FileNotFoundException($"category '{category}': '{questionPath}' does not exist; fix: choose categories whose files are in the folder (known: {string.Join(", ", BfclCategories.All)}).", questionPath);
        }
        Dictionary<string, IReadOnlyList<BfclExpectedCall>>? answers = null;
        if (!BfclCategories.IsRelevanceOrIrrelevance(category))
        {
            var answerPath = Path.Combine(directory, "possible_answer", BfclCategories.FileName(category));
            if (!File.Exists(answerPath))
            {
                throw new FileNotFoundException($"category '{category}' needs its possible answers at '{answerPath}'.", answerPath);
            }
            answers = [];
            foreach (var (line, where) in ReadLines(answerPath))
            {
                var id = RequireString(line, "id", where);
                var truth = line.Dict!.Get("ground_truth")?.Items ?? throw new FormatException($"{where}: \"ground_truth\" must be a list of calls.");
                answers[id] = [.. truth.Select((call, i) => BfclExpectedCall.Parse(call, $"{where} ground_truth[{i}]"))];
            }
        }
        var entries = new List<BfclEntry>();
        foreach (var (line, where) in ReadLines(questionPath))
        {
            var id = RequireString(line, "id", where);
            var docs = line.Dict!.Get("function")?.Items ?? throw new FormatException($"{where}: \"function\" must be a list of function docs.");
            var functions = docs.Select((doc, i) => BfclFunctionDoc.Parse(doc, $"{where} function[{i}]")).ToList();
            IReadOnlyList<BfclExpectedCall>? truth = null;
            if (answers is not null && !answers.TryGetValue(id, out truth))
            {
                throw new FormatException($"{where}: entry '{id}' has no line in possible_answer/{BfclCategories.FileName(category)}.");
            }
            entries.Add(new BfclEntry(id, category, ReadMessages(line, where), functions, truth));
        }
        return entries;
    }

    // BFCL's single-turn categories hold one turn (question[0]), a list of {role, content} messages.
    private static List<BfclMessage> ReadMessages(PyValue line, string where)
    {
        var turns = line.Dict!.Get("question")?.Items;
        if (turns is not { Count: > 0 } || turns[0].Items is not { } turn)
        {
            throw new FormatException($"{where}: \"question\" must be a list of turns, each a list of {{role, content}} messages.");
        }
        var messages = new List<BfclMessage>();
        foreach (var message in turn)
        {
            var role = message.Dict?.Get("role")?.Text;
            var content = message.Dict?.Get("content")?.Text;
            if (role is null || content is null)
            {
                throw new FormatException($"{where}: each question message needs string \"role\" and \"content\"; found {PyValueJson.Dumps(message)}.");
            }
            messages.Add(new BfclMessage(role, content, message.Dict!.Get("name")?.Text));
        }
        return messages;
    }

    private static string RequireString(PyValue line, string field, string where) =>
        line.Dict?.Get(field)?.Text ?? throw new FormatException($"{where}: the line needs a string \"{field}\".");

    private static IEnumerable<(PyValue Line, string Where)> ReadLines(string path)
    {
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }
            var where = $"{path}:{number}";
            var value = PyJson.Parse(text, out var error) ?? throw new FormatException($"{where}: not JSON ({error}).");
            if (value.Kind != PyKind.Dict)
            {
                throw new FormatException($"{where}: each line must be a JSON object.");
            }
            yield return (value, where);
        }
    }
}
