using ToolRL.Evaluation.Bfcl;
using ToolRL.Rewards.Python;
using ToolRL.Testing;

namespace ToolRL.Tests.Evaluation;

/// <summary>
/// Reference suite: every line of BFCL's checker_vectors.jsonl (model responses with the verdicts BFCL's own checker
/// gave them) against our handler's decoding and our checker, over the BFCL v3 question and answer files.
/// </summary>
public sealed class BfclReferenceVectorTests
{
    private static readonly Lazy<BfclDataset> Dataset = new(() => BfclDataset.Load(TestPaths.Reference("data", "bfcl")));

    [ReferenceFact]
    public void The_dataset_loads_every_category_with_its_answers()
    {
        var counts = Dataset.Value.Entries.GroupBy(e => e.Category).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(400, counts["simple"]);
        Assert.Equal(1053, counts["live_multiple"]);
        Assert.Equal(882, counts["live_irrelevance"]);
        Assert.Equal(10, counts.Count);
    }

    [ReferenceFact]
    public void Every_vector_decodes_and_checks_as_BFCL_did()
    {
        var entries = Dataset.Value.Entries.ToDictionary(e => e.Id);
        var lines = File.ReadAllLines(TestPaths.Reference("data", "bfcl", "checker_vectors.jsonl"));
        Assert.Equal(2000, lines.Length);
        var failures = new List<string>();
        foreach (var line in lines)
        {
            var vector = PyJson.Parse(line)!.Dict!;
            var id = vector.Get("id")!.Text!;
            var entry = entries[id];
            Assert.Equal(vector.Get("category")!.Text, entry.Category);
            var decoded = vector.Get("decoded")!;
            var expectedValid = vector.Get("valid")!.Integer == 1;
            var expectedType = vector.Get("error_type")!.Text;

            var fromResponse = ToolRLBfclHandler.Decode(vector.Get("response")!.Text!);
            if (PyValueJson.Dumps(fromResponse) != PyValueJson.Dumps(decoded))
            {
                failures.Add($"{id} {vector.Get("perturbation")!.Text}: decoded {PyValueJson.Dumps(fromResponse)}, BFCL {PyValueJson.Dumps(decoded)}");
            }
            var result = BfclAstChecker.Check(entry.Category, entry.Functions, entry.GroundTruth, decoded);
            if (result.Valid != expectedValid || (!expectedValid && result.ErrorType != expectedType))
            {
                failures.Add($"{id} {vector.Get("perturbation")!.Text}: ours {result.Valid}/{result.ErrorType} ({result.Error}), BFCL {expectedValid}/{expectedType}");
            }
        }
        Assert.True(failures.Count == 0, $"{failures.Count} disagreements:\n" + string.Join("\n", failures.Take(40)));
    }
}
