using System.Text.Json.Nodes;
using ToolRL.Rewards;
using ToolRL.Testing;

namespace ToolRL.Tests.Rewards;

/// <summary>One line of the published reward vectors (reference data: data/reward_vectors.jsonl): a case scored by the original rlla.py.</summary>
internal sealed record RewardVector(
    string Id, string Kind, string GroundTruth, string Response, ToolRLRewardOptions Options, int Step, ToolRLScore Expected)
{
    public static string FilePath => TestPaths.Reference("data", "reward_vectors.jsonl");

    private static readonly Lazy<IReadOnlyList<RewardVector>> Loaded = new(() => File.ReadLines(FilePath).Select(Parse).ToList());

    public static IReadOnlyList<RewardVector> All => Loaded.Value;

    public static RewardVector Parse(string line)
    {
        var json = JsonNode.Parse(line)!.AsObject();
        var expected = json["expected"]!.AsObject();
        return new RewardVector(
            (string)json["id"]!,
            (string)json["kind"]!,
            (string)json["ground_truth"]!,
            (string)json["response"]!,
            ToolRLRewardOptions.FromJson(json["flags"]!.AsObject()),
            (int)json["step"]!,
            new ToolRLScore((double)expected["format"]!, (double)expected["correctness"]!, (double)expected["length"]!, (double)expected["total"]!));
    }
}
