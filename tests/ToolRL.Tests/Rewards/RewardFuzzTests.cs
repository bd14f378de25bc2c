using System.Text;
using System.Text.RegularExpressions;
using ToolRL.Rewards;

namespace ToolRL.Tests.Rewards;

/// <summary>
/// 100,000+ random and mutated responses per run. Each must score without throwing, stay inside the bounds of
/// its switches, add up, agree with a regex engine on the format rule (the reference's own patterns, run by
/// .NET's Regex), and ignore Python-whitespace padding, as the reference strips it.
/// </summary>
public class RewardFuzzTests
{
    private const int MutatedCases = 60_000;
    private const int RandomCases = 45_000;

    private static readonly string[] Tokens =
    [
        "<think>", "</think>", "<tool_call>", "</tool_call>", "<response>", "</response>", "\n", "\n\n", "\r\n", " ", "\t",
        "{", "}", "[", "]", "\"", ":", ",", "\\", "\\u", "\\ud800", "name", "parameters", "\"name\"", "\"parameters\"", "NaN",
        "Infinity", "-", "0", "1", "1.0", "true", "false", "null", "e5", "\u00a0", "\u3000", "\u2028", "\u001c", "\u180e",
        "\ud800", "\udc00", "😀", "é", "\u0000", "<|im_end|>", "</tool_call>\n<response>", "</think>\n<tool_call>\n",
    ];

    // Every character for which CPython's str.isspace() is true (printed by /usr/bin/python3).
    private static readonly string[] PythonSpaces =
    [
        "\t", "\n", "\u000b", "\u000c", "\r", "\u001c", "\u001d", "\u001e", "\u001f", " ", "\u0085", "\u00a0", "\u1680",
        "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200a",
        "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
    ];

    private static readonly Regex ResponsePattern = new(@"^<think>.*?</think>\n<response>.*?</response>$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    private static readonly Regex ToolPattern = new(@"^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    private static readonly Regex BothPattern = new(@"^<think>.*?</think>\n<tool_call>\n.*?\n</tool_call>\n<response>.*?</response>$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
    private static readonly Regex ThinkPattern = new(@"^<think>.*?</think>$", RegexOptions.Singleline | RegexOptions.CultureInvariant);

    [Fact]
    public void RandomAndMutatedResponsesKeepEveryInvariant()
    {
        var random = new Random(20260522);
        var seeds = DifferentialFixtureTests.ValidPairs().Distinct().ToArray();
        var checkedCases = 0;
        for (var i = 0; i < MutatedCases + RandomCases; i++)
        {
            var seed = seeds[random.Next(seeds.Length)];
            var response = i < MutatedCases ? Mutate(seed.Response, random) : RandomText(random);
            var options = RandomOptions(random);
            var step = random.Next(0, 320);
            Check(response, seed.GroundTruth, options, step, random);
            checkedCases++;
        }
        Assert.Equal(MutatedCases + RandomCases, checkedCases);
        Assert.True(checkedCases >= 100_000);
    }

    private static void Check(string response, string groundTruth, ToolRLRewardOptions options, int step, Random random)
    {
        var score = ToolRLReward.Score(response, groundTruth, options, step);
        var context = $"response {Escape(response)} options {options.ToJson().ToJsonString()} step {step}";

        var format = RewardBounds.ForFormat(options, step);
        var stripped = response.Trim(PythonSpaces.Select(s => s[0]).ToArray());
        var wellFormed = RegexFormat(stripped, groundTruth);
        Assert.True(score.Format == (wellFormed ? format.Max : format.Min), $"format {score.Format} vs regex {wellFormed}: {context}");

        var correctness = RewardBounds.ForCorrectness(options, step);
        if (!groundTruth.Contains("<tool_call>", StringComparison.Ordinal))
        {
            Assert.Equal(0.0, score.Correctness);
        }
        else
        {
            var (low, high) = (Math.Min(correctness.Min, correctness.Max), Math.Max(correctness.Min, correctness.Max));
            Assert.True(score.Correctness >= low - 1e-12 && score.Correctness <= high + 1e-12, $"correctness {score.Correctness}: {context}");
        }
        Assert.True(options.WithLength ? score.Length is >= 0 and <= 1 : score.Length == 0, $"length {score.Length}: {context}");
        Assert.Equal(score.Format + score.Correctness + score.Length, score.Total);

        var padded = PythonSpaces[random.Next(PythonSpaces.Length)] + response + PythonSpaces[random.Next(PythonSpaces.Length)];
        Assert.Equal(score, ToolRLReward.Score(padded, groundTruth, options, step));
    }

    // The reference's format rule with a regex engine: an independent implementation of the same patterns.
    private static bool RegexFormat(string response, string groundTruth)
    {
        var hasResponse = groundTruth.Contains("<response>", StringComparison.Ordinal);
        var hasTool = groundTruth.Contains("<tool_call>", StringComparison.Ordinal);
        bool Once(string tag) => CountOf(response, tag) == 1;
        return (hasResponse, hasTool) switch
        {
            (true, false) => ResponsePattern.IsMatch(response) && Once("<response>") && Once("</response>"),
            (false, true) => ToolPattern.IsMatch(response) && Once("<tool_call>") && Once("</tool_call>"),
            (true, true) => BothPattern.IsMatch(response) && Once("<tool_call>") && Once("</tool_call>") && Once("<response>") && Once("</response>"),
            _ => ThinkPattern.IsMatch(response),
        };
    }

    private static int CountOf(string text, string tag) => (text.Length - text.Replace(tag, "", StringComparison.Ordinal).Length) / tag.Length;

    private static string Mutate(string text, Random random)
    {
        var builder = new StringBuilder(text);
        for (var n = random.Next(1, 5); n > 0; n--)
        {
            var at = random.Next(builder.Length + 1);
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    builder.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 2 when builder.Length > 0:
                    builder.Remove(Math.Min(at, builder.Length - 1), Math.Min(random.Next(1, 12), builder.Length - Math.Min(at, builder.Length - 1)));
                    break;
                case 3 when at < builder.Length:
                    var length = Math.Min(random.Next(1, 80), builder.Length - at);
                    builder.Insert(random.Next(builder.Length + 1), builder.ToString(at, length));
                    break;
                case 4:
                    builder.Length = at;
                    break;
                default:
                    if (builder.Length > 0)
                    {
                        builder[Math.Min(at, builder.Length - 1)] = (char)random.Next(0, 0x10000);
                    }
                    break;
            }
        }
        return builder.ToString();
    }

    private static string RandomText(Random random)
    {
        var builder = new StringBuilder();
        for (var n = random.Next(0, 40); n > 0; n--)
        {
            builder.Append(random.Next(4) == 0 ? ((char)random.Next(0, 0x10000)).ToString() : Tokens[random.Next(Tokens.Length)]);
        }
        return builder.ToString();
    }

    private static ToolRLRewardOptions RandomOptions(Random random) => new()
    {
        CorrectMax1 = random.Next(4) == 0,
        WithLength = random.Next(4) == 0,
        ScheduleLength = random.Next(4) == 0,
        RefinedReward = random.Next(4) == 0,
        CoarseReward = random.Next(6) == 0,
        IntermediateReward = random.Next(4) == 0,
        Max1Step30Max3 = random.Next(4) == 0,
        ScheduleReward = random.Next(4) == 0,
        StrictMatch = random.Next(4) == 0,
    };

    private static string Escape(string text) =>
        System.Text.Json.JsonSerializer.Serialize(text.Length > 300 ? text[..300] + "…" : text);
}
