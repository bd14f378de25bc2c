using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Rewards;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;

namespace ToolRL.Training.Pipeline;

/// <summary>The prompts of a run: training rows and held-out rows.</summary>
internal sealed record PromptData(IReadOnlyList<RlRow> Train, IReadOnlyList<RlRow> Val);

/// <summary>
/// Stage 1, the prompts: synthetic rows generated from <c>data.synthetic</c>'s seed and published under
/// <c>data/</c> (reused by a resumed run), or the configured <c>data.train_files</c>/<c>val_files</c>.
/// </summary>
internal static class DataStage
{
    public static PromptData Run(TrainingConfig config, string outputDir, Action<string> log)
    {
        var options = new DatasetLoadOptions { InvalidRows = config.Data.InvalidRows, GroundTruthValidator = ToolRLGroundTruthRules.Validate };
        if (config.Data.Synthetic is { } synthetic)
        {
            var dataDir = Path.Combine(outputDir, "data");
            AtomicDirectory.Publish(dataDir, dir =>
            {
                var (trainRows, testRows) = SyntheticToolTask.GenerateSplit(synthetic.TrainCount, synthetic.ValCount, synthetic.Seed, synthetic.TaskOptions);
                JsonLines.Write(Path.Combine(dir, "train.jsonl"), trainRows.Select(r => r.Raw));
                JsonLines.Write(Path.Combine(dir, "val.jsonl"), testRows.Select(r => r.Raw));
            });
            var train = Load(Path.Combine(dataDir, "train.jsonl"));
            var val = Load(Path.Combine(dataDir, "val.jsonl"));
            log($"data: {train.Count} synthetic training prompts, {val.Count} held-out, in {dataDir}");
            return new PromptData(train, val);
        }
        var trainRowsFromFiles = config.Data.TrainFiles.SelectMany(Load).ToList();
        var valRowsFromFiles = config.Data.ValFiles.SelectMany(Load).ToList();
        log($"data: {trainRowsFromFiles.Count} training prompts from {string.Join(", ", config.Data.TrainFiles)}; {valRowsFromFiles.Count} held-out");
        return new PromptData(trainRowsFromFiles, valRowsFromFiles);

        IReadOnlyList<RlRow> Load(string path)
        {
            var dataset = RlDataset.Load(path, options);
            if (dataset.Problems.Count > 0)
            {
                log($"data: {path}: skipped {dataset.Problems.Count} invalid row(s), first: {dataset.Problems[0]}");
            }
            return dataset.Rows;
        }
    }

    /// <summary>The SFT conversations: <c>sft.train_files</c>, or the RL rows (ToolRL's ground truths are complete answers).</summary>
    public static IReadOnlyList<SftRow> SftRows(TrainingConfig config, IReadOnlyList<RlRow> train, Action<string> log)
    {
        if (config.Sft is null || config.Sft.TrainFiles.Count == 0)
        {
            // The RL prompts double as SFT data (the paper's SFT baselines).
            return train.Select(SftRow.FromRlRow).ToList();
        }
        return config.Sft.TrainFiles.SelectMany(path =>
        {
            var dataset = SftDataset.Load(path);
            if (dataset.Problems.Count > 0)
            {
                log($"sft: {path}: skipped {dataset.Problems.Count} invalid row(s), first: {dataset.Problems[0]}");
            }
            return dataset.Rows;
        }).ToList();
    }
}
