using ToolRL.Agents;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Tokenization;
using ToolRL.Training;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Rollout;

namespace ToolRL.StepTool;

/// <summary>
/// What a training run with an offline <c>steptool</c> section needs: the samples (read from <c>train_files</c>,
/// or generated from the environment's training tasks into <c>data/steptool_train.csv</c> in the run folder, published
/// once and reused on resume, then read back with the same reader), the trainer rows, the tokenizer corpus, SFT
/// sequences for a warm start without an environment, and the replay rollout stage.
/// </summary>
internal sealed class StepToolRun
{
    /// <summary>The generated file, relative to the run folder (in <c>data/</c>, a run entry, as the synthetic prompts).</summary>
    public static readonly string GeneratedFile = Path.Combine("data", "steptool_train.csv");

    private StepToolRun(StepToolConfig config, IReadOnlyList<StepToolSample> samples)
    {
        Config = config;
        Samples = samples;
    }

    public StepToolConfig Config { get; }

    public IReadOnlyList<StepToolSample> Samples { get; }

    public IReadOnlyList<RlRow> TrainRows => StepToolReplayStage.Rows(Samples);

    /// <summary>Every fragment's text, for a BPE tokenizer.</summary>
    public IReadOnlyList<string> Corpus => [.. Samples.SelectMany(s => s.Prompts.Concat(s.Responses))];

    public static async Task<StepToolRun> PrepareAsync(StepToolConfig config, string outputDir, AgentRun? agent, Action<string> log, CancellationToken cancellationToken)
    {
        if (config.TrainFiles.Count > 0)
        {
            var samples = config.TrainFiles.SelectMany(StepToolFile.Read).Select((s, i) => s with { Index = i }).ToList();
            log($"steptool: {samples.Count} trajectories ({samples.Sum(s => s.Steps)} steps) from {string.Join(", ", config.TrainFiles)}");
            return new StepToolRun(config, samples);
        }
        var environments = agent?.Environments ?? throw new InvalidOperationException("steptool: no train_files and no environment to generate them from");
        var dir = Path.Combine(outputDir, "data");
        if (!AtomicDirectory.IsComplete(dir))
        {
            var generated = await StepToolGenerator.GenerateAsync(environments, environments.Tasks(TaskSplit.Train), config.Variants, config.ContributionThreshold, cancellationToken).ConfigureAwait(false);
            AtomicDirectory.Publish(dir, temp => StepToolFile.Write(Path.Combine(temp, Path.GetFileName(GeneratedFile)), generated));
        }
        var path = Path.Combine(outputDir, GeneratedFile);
        var read = StepToolFile.Read(path);
        log($"steptool: {read.Count} trajectories ({read.Sum(s => s.Steps)} steps, final score mean {read.Average(s => s.Rewards[^1]):0.000}) generated in {path}");
        return new StepToolRun(config, read);
    }

    /// <summary>The environment's rollout stage, with online step rewards when the steptool section asks for them.</summary>
    public static IRolloutStage? Online(TrainingConfig config, AgentRolloutStage? agentStage) =>
        config.StepTool is { Mode: StepToolMode.Online } online && agentStage is not null
            ? new StepRewardRolloutStage(agentStage, online.StepRewardWeight, online.ContributionThreshold)
            : agentStage;

    public StepToolReplayStage RolloutStage(Qwen2Tokenizer tokenizer) =>
        new(Samples, tokenizer, Config.StepWeighting, Config.MaxContextLen, Config.MaxResponseLen);

    /// <summary>The trajectories as SFT sequences (loss on every step output), for a warm start from the file itself.</summary>
    public IReadOnlyList<SftSequence> SftSequences(Qwen2Tokenizer tokenizer) =>
        [.. RolloutStage(tokenizer).Trajectories.Select(t => new SftSequence(t.PromptIds, t.ResponseIds, t.LossMask))];
}
