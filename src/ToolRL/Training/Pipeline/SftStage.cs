using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Distributed;
using ToolRL.Torch.Distributed;
using ToolRL.Tokenization;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;

namespace ToolRL.Training.Pipeline;

/// <summary>
/// Stage 4, the SFT warm start (<c>sft</c> section): trains the policy in place and publishes <c>sft/model/</c>
/// (Hugging Face layout with the tokenizer) and <c>sft/metrics.jsonl</c>; a finished warm start is reused. The data
/// are the SFT rows, or an environment's gold trajectories (token ids with loss masks). Data-parallel ranks share the
/// training (<see cref="SftTrainer.Group"/>); ranks other than 0 pass a scratch folder.
/// </summary>
internal static class SftStage
{
    public static async IAsyncEnumerable<TrainingStepResult> RunAsync(TrainingConfig config, string outputDir, Qwen2Policy policy, Qwen2Tokenizer tokenizer,
        PromptEncoder prompts, IReadOnlyList<RlRow> train, Func<Task<IReadOnlyList<SftSequence>?>>? gold, ILogger? logger,
        Func<TrainingStepResult, bool> stopAfter, ProcessGroup? group, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var log = ProgressLog.Notes(logger);
        var sft = config.Sft ?? throw new InvalidOperationException("the configuration has no sft section");
        var sftDir = Path.Combine(outputDir, "sft");
        var modelDir = Path.Combine(sftDir, "model");
        // Data-parallel ranks follow rank 0, which owns the run folder: all reuse its warm start, or all train one.
        if (WeightSync.FromRankZero(group, AtomicDirectory.IsComplete(sftDir)))
        {
            log($"sft: reusing the finished warm start in {sftDir}");
            if (group is not { Rank: > 0 })
            {
                policy.LoadWeights(modelDir);
            }
            WeightSync.FromRankZero(group, policy.Module);
            yield break;
        }
        var sequences = gold is null ? null : await gold();
        var rows = sequences is null ? DataStage.SftRows(config, train, log) : [];
        log($"sft: {sequences?.Count ?? rows.Count} conversations × {sft.Epochs} epoch(s), lr {sft.Lr}, batch {sft.BatchSize}");
        var logged = new List<MetricsRow>();
        using (var trainer = sequences is null ? new SftTrainer(config, policy, prompts, rows, logger) { Group = group }
            : new SftTrainer(config, policy, prompts.PadTokenId, sequences, logger) { Group = group })
        {
            await foreach (var step in trainer.TrainAsync(cancellationToken))
            {
                logged.Add(step.Metrics);
                yield return step;
                if (stopAfter(step))
                {
                    // Stopped early (TrainingHooks.StopWhen): the model as trained so far is the warm start.
                    log($"sft: stopped early after step {step.Step} of {step.TotalSteps}");
                    break;
                }
            }
        }
        AtomicDirectory.Publish(sftDir, dir =>
        {
            var model = Path.Combine(dir, "model");
            policy.SavePretrained(model);
            tokenizer.Save(model);
            // trainer.logger applies to the warm start as to RL: "tensorboard" also writes sft/tensorboard/.
            using var metrics = MetricsLog.Create(dir, config.Trainer.Logger.Contains("tensorboard"));
            foreach (var row in logged)
            {
                metrics.Append(row);
            }
        }, replaceComplete: true);
        log($"sft: model saved to {modelDir}");
    }
}
