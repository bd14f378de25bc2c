// A user's program on the ToolRL package: a custom reward (ThoughtLengthPenalty) combined by weight with the
// ToolRL reward, checked on known completions, then used to train the tiny demo model for a few GRPO steps.
// Run from this folder after packing the repository:  dotnet run -c Release [-- --steps N]
using System.Globalization;
using CustomReward;
using ToolRL.Rewards;
using ToolRL.Tokenization;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var steps = args.Length == 2 && args[0] == "--steps" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;

// total = 1.0 · toolrl + 0.5 · thought_length  (TRL's reward_weights; see WeightedReward)
// 40 characters: short, so that even the tiny demo model's short, random completions are judged by it.
var penalty = new ThoughtLengthPenalty(budgetChars: 40);
var reward = new WeightedReward([new(new ToolRLRewardFunction(), 1.0), new(penalty, 0.5)]);

// 1. The combined reward on known completions: one per line, "score <label> key=value ...".
const string Call = "<tool_call>\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\", \"unit\": \"C\"}}\n</tool_call>";
const string GroundTruth = "<think> Use the weather tool. </think>\n" + Call;
// A well-formed answer whose thought is exactly `chars` characters long.
string Answer(int chars) => $"<think> {string.Concat(Enumerable.Repeat("hmm, ", chars))[..chars].Trim().PadRight(chars, '.')} </think>\n{Call}";
var known = new (string Label, string Completion)[]
{
    ("short", Answer(20)),
    ("over", Answer(60)),
    ("rambling", Answer(200)),
    ("unformatted", "It is sunny in Paris, 21 degrees and clear skies all day long."),
};
var batch = known.Select(k => new RewardSample
{
    Prompt = [new ChatMessage("user", "What's the weather in Paris, in Celsius?")],
    Completion = k.Completion,
    GroundTruth = GroundTruth,
}).ToList();
var scores = reward.Score(batch);
for (var i = 0; i < known.Length; i++)
{
    Console.WriteLine(
        $"score {known[i].Label} chars={ThoughtLengthPenalty.ThoughtLength(known[i].Completion)} " +
        $"thought_length={scores.Components[penalty.Name][i]:R} toolrl={scores.Components["toolrl"][i]:R} total={scores[i]:R}");
}
foreach (var (metric, value) in RewardMetrics.Summarize(reward.Name, scores).Where(m => m.Key.EndsWith("/mean", StringComparison.Ordinal)).OrderBy(m => m.Key))
{
    Console.WriteLine($"metric {metric}={value:R}");
}

// 2. Training with the combined reward.
return await DemoTraining.RunAsync(penalty, steps);
