using System.Text.Json.Nodes;
using ToolRL.Data;
using ToolRL.Evaluation.Bfcl;
using ToolRL.Rewards;
using ToolRL.Tests.Training;
using ToolRL.Torch.IO;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Evaluation;

/// <summary>
/// BFCL's metric watched during training, as docs/evaluation.md sets it up: <c>toolrl eval bfcl-rows</c> rows as the
/// held-out data and <c>bfcl_ast</c> as a zero-weight reward term, so every periodic validation logs
/// <c>val/rewards/bfcl_ast/mean</c>, the share of held-out BFCL entries the checker accepts.
/// </summary>
public sealed class BfclValidationInTrainingTests : IDisposable
{
    private readonly TempDirectory _data = BfclTestData.Write(MiniBfcl.Files());
    private readonly TempDirectory _work = new("bfcl-val");

    public void Dispose()
    {
        _data.Dispose();
        _work.Dispose();
    }

    [Fact]
    public async Task Periodic_validation_logs_the_share_of_entries_BFCLs_checker_accepts()
    {
        var entries = BfclDataset.Load(_data.Path).Entries;
        Directory.CreateDirectory(_work.Path);
        var valFile = Path.Combine(_work.Path, "bfcl-val.jsonl");
        JsonLines.Write(valFile, entries.Select(BfclRows.ToRow));

        var config = TinyRun.GrpoConfig(Path.Combine(_work.Path, "run"));
        config = config with { Trainer = config.Trainer with { SaveFreq = -1, TestFreq = 1, TotalTrainingSteps = 2 } };
        var validations = new List<ValidationEvent>();
        var result = await Train.GrpoAsync(new TrainingRequest
        {
            Config = config,
            Model = TinyRun.Policy().Model,
            Tokenizer = TinyRun.Tokenizer,
            TrainData = TinyRun.Rows(8).ToArray(),
            ValData = RlDataset.Load(valFile),
            Rewards = ["toolrl", new("bfcl_ast", 0.0)],
            Hooks = new() { OnValidation = validations.Add },
        });

        // Before training, after step 1 and after step 2 (test_freq 1): each time, the metric is the mean of the
        // checker's verdicts on that validation's responses, checked here again independently.
        Assert.Equal([0L, 1, 2], validations.Select(v => v.Step));
        var metric = MetricNames.ValRewardFunctionMean("bfcl_ast");
        Assert.Equal("val/rewards/bfcl_ast/mean", metric);
        foreach (var validation in validations)
        {
            var generations = validation.Result.Generations;
            Assert.Equal(entries.Count, generations.Count);
            var verdicts = generations.Select(g => BfclEvaluation.Check(entries[g.Index], g.Response)).ToList();
            Assert.Equal(verdicts.Average(v => v.Valid ? 1.0 : 0.0), validation.Result.Metrics[metric], 12);
            // Zero weight: the total reward is the ToolRL reward alone.
            Assert.Equal(validation.Result.Component("toolrl"), validation.Result.Reward, 12);
        }

        // The same figures reach metrics.jsonl at their steps, where TensorBoard and the report read them.
        var logged = File.ReadAllLines(Path.Combine(result.OutputDir, MetricsLog.JsonlFileName)).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(row => row.ContainsKey(metric)).ToList();
        Assert.Equal(validations.Select(v => v.Result.Metrics[metric]), logged.Select(row => row[metric]!.GetValue<double>()));
    }
}
