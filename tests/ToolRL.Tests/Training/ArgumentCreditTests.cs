using ToolRL.Algorithms;
using ToolRL.Data;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.Training;

/// <summary>argument_credit from the tokens to the update: spans found in real tokenized responses, then one GRPO step.</summary>
public sealed class ArgumentCreditTests : IDisposable
{
    private readonly TinyRun _run = new(Path.Combine(Path.GetTempPath(), "toolrl-argcredit-" + Guid.NewGuid().ToString("N")));

    public void Dispose() => _run.Dispose();

    private static PromptEncoder Prompts => new(TinyRun.Tokenizer, 1024);

    /// <summary>
    /// The row's gold answer, or with <paramref name="wrong"/> its first argument value miscopied (one character
    /// changed); rows without a call, or whose first value is not a string or number, stay gold.
    /// </summary>
    private static string Answer(RlRow row, bool wrong)
    {
        var text = row.GroundTruth;
        var parameters = text.IndexOf("\"parameters\": {\"", StringComparison.Ordinal);
        if (!wrong || parameters < 0)
        {
            return text;
        }
        var value = text.IndexOf("\": ", parameters + 16, StringComparison.Ordinal) + 3;
        var at = text[value] == '"' ? value + 1 : value;
        return char.IsLetterOrDigit(text[at]) ? text[..at] + (text[at] == '7' ? '8' : '7') + text[(at + 1)..] : text;
    }

    [Fact]
    public void SpansCoverExactlyTheTokensThatWriteEachValue()
    {
        var (checkedValues, miscopied) = (0, 0);
        foreach (var row in TinyRun.Rows(12))
        {
            var ids = Prompts.EncodeResponse(Answer(row, wrong: true));
            var text = Prompts.DecodeResponse(ids);
            var spans = Prompts.ArgumentCreditSpans(row, ids, text);
            var values = ToolRL.Rewards.ToolCallArgumentSpans.Find(text, row.GroundTruth);
            Assert.Equal(values.Count, spans.Count);
            Assert.True(spans.Count(s => s.Score == 0) <= 1);
            foreach (var (span, value) in spans.Zip(values))
            {
                var valueText = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text), value.ByteStart, value.ByteLength);
                string Decode(int from, int to) => TinyRun.Tokenizer.Decode(ids[from..to]);
                // The span's tokens write the value; dropping its first or last token loses part of it.
                Assert.Contains(valueText, Decode(span.Start, span.Start + span.Length));
                Assert.DoesNotContain(valueText, Decode(span.Start + 1, span.Start + span.Length));
                Assert.DoesNotContain(valueText, Decode(span.Start, span.Start + span.Length - 1));
                Assert.Equal(value.Key, span.Key);
                Assert.Equal(value.Correct ? 1 : 0, span.Score);
                miscopied += value.Correct ? 0 : 1;
                checkedValues++;
            }
        }
        Assert.True(checkedValues >= 12, $"only {checkedValues} values checked");
        Assert.True(miscopied >= 6, $"only {miscopied} miscopied values found");
    }

    /// <summary>Half of each group answers with the gold text, half with one value miscopied; spans from the real encoder.</summary>
    private sealed class GoldAndMiscopied(PromptEncoder prompts) : IRolloutStage
    {
        public Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken)
        {
            var trajectories = request.Rows.SelectMany((row, r) => Enumerable.Range(0, request.N).Select(k =>
            {
                var ids = prompts.EncodeResponse(Answer(row, wrong: k % 2 == 1));
                return new Trajectory
                {
                    PromptIds = prompts.Encode(row),
                    ResponseIds = ids,
                    GroupId = r,
                    Reward = k % 2 == 0 ? 1 : 0.5,
                    CreditSpans = prompts.ArgumentCreditSpans(row, ids, prompts.DecodeResponse(ids)),
                };
            })).ToList();
            return Task.FromResult(new RolloutBatch(trajectories));
        }
    }

    private async Task<(TrainingStepResult Step, float[] Weights)> OneStep(bool argumentCredit)
    {
        var config = TinyRun.Short(TinyRun.GrpoConfig(_run.Directory), steps: 1) with { ArgumentCredit = argumentCredit, KlCoef = 0, UseKlInReward = false };
        using var policy = TinyRun.Policy();
        using var trainer = new GrpoTrainer(_run.Setup(config, policy, new BrevityReward()) with { Rollout = new GoldAndMiscopied(Prompts) });
        var step = Assert.Single(await TinyRun.Collect(trainer));
        return (step, policy.Module.Parameters().SelectMany(p => p.Detach().ToArray<float>()).ToArray());
    }

    [Fact]
    public async Task TheTrainerCreditsArgumentTokensOnlyWhenConfigured()
    {
        var (plain, plainWeights) = await OneStep(argumentCredit: false);
        var (credited, creditedWeights) = await OneStep(argumentCredit: true);

        Assert.Null(plain[MetricNames.ArgumentCreditTokenFraction]);
        var fraction = credited[MetricNames.ArgumentCreditTokenFraction]!.Value;
        Assert.InRange(fraction, 0.05, 0.6);
        // The values every member copied alike get advantage 0, so the mean advantage moves towards 0 from GRPO's.
        Assert.NotEqual(plain[MetricNames.AdvantagesMean]!.Value, credited[MetricNames.AdvantagesMean]!.Value);
        Assert.NotEqual(plainWeights, creditedWeights);
    }
}
