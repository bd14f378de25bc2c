using System.Diagnostics;
using System.Runtime.CompilerServices;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Torch;
using ToolRL.Torch.IO;
using ToolRL.Training.Checkpoints;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;
using ToolRL.Training.Validation;

namespace ToolRL.Training;

/// <summary>
/// Everything <c>toolrl train CONFIG.json</c> does, in stages under the output folder, each published atomically
/// (a finished stage is reused by <c>--resume</c>, an interrupted one is redone):
/// <list type="number">
/// <item><c>data/</c>: the prompts: synthetic tool-calling rows generated from the seed, or the configured files.</item>
/// <item><c>tokenizer/</c>: a byte-level BPE trained on that data (<c>tokenizer.train_bpe</c>), or the configured one.</item>
/// <item>the policy: a random-init tiny Qwen2 (<c>model.tiny</c>) or a Hugging Face folder (<c>model.base_model</c>).</item>
/// <item><c>sft/</c>: the SFT warm start (<c>sft</c> section), its model in Hugging Face layout and its metrics.</item>
/// <item>GRPO or PPO (metrics.jsonl/csv, checkpoints/, report.html), resumable from the latest checkpoint.</item>
/// </list>
/// </summary>
public sealed class TrainingPipeline(TrainingConfig config, string outputDir, bool resume, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    /// <summary>The configuration.</summary>
    public TrainingConfig Config { get; } = config;

    /// <summary>The output folder.</summary>
    public string OutputDir { get; } = Path.GetFullPath(outputDir);

    /// <summary>Held-out results before RL (after SFT), once known.</summary>
    public ValidationResult? Before { get; private set; }

    /// <summary>Held-out results after RL, once known.</summary>
    public ValidationResult? After { get; private set; }

    /// <summary>Held-out pass^k of an environment run before RL (after SFT), once known.</summary>
    public AgentEvaluationResult? AgentBefore { get; private set; }

    /// <summary>Held-out pass^k of an environment run after RL, once known.</summary>
    public AgentEvaluationResult? AgentAfter { get; private set; }

    /// <summary>The HTML report of the RL phase, once written.</summary>
    public string? ReportPath { get; private set; }

    /// <summary>Runs every stage, yielding each training step (SFT steps, then RL steps).</summary>
    public async IAsyncEnumerable<TrainingStepResult> RunAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        Directory.CreateDirectory(OutputDir);
        if (!resume)
        {
            ClearPreviousRun();
        }
        AtomicDirectory.SweepLeftovers(OutputDir);
        torch.ManualSeed(Config.Seed);
        AtomicFile.WriteAllText(Path.Combine(OutputDir, "config.resolved.json"), Config.ToJsonString() + "\n");

        // An environment brings its own tasks (rows naming them), tokenizer corpus, gold SFT data, rollout and evaluation.
        await using var agent = Config.Environment is { } environment ? await AgentRun.StartAsync(environment, _log, cancellationToken: cancellationToken) : null;
        var (train, val) = agent is null ? Stage("data", LoadData) : (agent.TrainRows(), []);
        var agentCorpus = agent is null ? null : await agent.CorpusAsync(cancellationToken);
        var tokenizer = Stage("tokenizer", () => LoadTokenizer(train, agentCorpus));
        var prompts = new PromptEncoder(tokenizer, Config.MaxPromptLength);
        var reward = CreateReward();
        using var policy = new Qwen2Policy(CreatePolicy(tokenizer));
        policy.Model.Model.GradientCheckpointing = Config.Model.GradientCheckpointing;   // model.gradient_checkpointing
        _log($"model: {policy.Model.Config.NumHiddenLayers} layers, hidden {policy.Model.Config.HiddenSize}, vocab {policy.Model.Config.VocabSize}, {policy.Model.ParameterCount():N0} parameters");

        if (Config.Sft is not null)
        {
            var sftDir = Path.Combine(OutputDir, "sft");
            var modelDir = Path.Combine(sftDir, "model");
            if (AtomicDirectory.IsComplete(sftDir))
            {
                _log($"sft: reusing the finished warm start in {sftDir}");
                policy.LoadWeights(modelDir);
            }
            else
            {
                var gold = agent is null ? null : await agent.GoldSequencesAsync(tokenizer, cancellationToken);
                var rows = agent is null ? LoadSftRows(train) : [];
                _log($"sft: {gold?.Count ?? rows.Count} conversations × {Config.Sft.Epochs} epoch(s), lr {Config.Sft.Lr}, batch {Config.Sft.BatchSize}");
                var logged = new List<MetricsRow>();
                using (var sft = gold is null ? new SftTrainer(Config, policy, prompts, rows, _log) : new SftTrainer(Config, policy, prompts.PadTokenId, gold, _log))
                {
                    await foreach (var step in sft.TrainAsync(cancellationToken))
                    {
                        logged.Add(step.Metrics);
                        yield return step;
                    }
                }
                AtomicDirectory.Publish(sftDir, dir =>
                {
                    var model = Path.Combine(dir, "model");
                    policy.SavePretrained(model);
                    tokenizer.Save(model);
                    var metrics = MetricsLog.Create(dir);
                    foreach (var row in logged)
                    {
                        metrics.Append(row);
                    }
                }, replaceComplete: true);
                _log($"sft: model saved to {modelDir}");
            }
        }

        if (agent is not null && Config.Rft is { } rft)
        {
            await foreach (var step in RejectionSamplingAsync(agent, rft, policy, tokenizer, prompts.PadTokenId, cancellationToken))
            {
                yield return step;
            }
        }
        if (agent is not null && !AgentRun.HasEvaluation(OutputDir, "before"))
        {
            AgentBefore = await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "before", OutputDir, cancellationToken);
        }
        if (Config.Algorithm is AlgorithmKind.Sft or AlgorithmKind.Rft)
        {
            if (val.Count > 0)
            {
                var validator = new Validator(val, prompts, reward, Greedy(prompts));
                After = validator.Run(policy, 0);
                ValidationLog.Write(OutputDir, "after_sft.jsonl", After.Generations);
            }
            yield break;
        }

        if (Config.Model.Lora is { } lora)
        {
            // The RL phase trains adapters on the (warm-started) base; the base stays frozen and doubles as the reference.
            if (Config.Sft is not null)
            {
                policy.Model.SourceDirectory = Path.Combine(OutputDir, "sft", "model");
            }
            policy.Model.AddAdapters(lora, Config.Seed);
            _log($"lora: r {lora.R}, alpha {lora.Alpha}{(lora.UseRslora ? " (rsLoRA)" : "")} on {string.Join(", ", lora.TargetModules)}: " +
                $"{policy.Model.TrainableParameters().Sum(p => p.NumEl):N0} trainable of {policy.Model.ParameterCount():N0} parameters");
        }
        using var reference = !Config.NeedsReferenceModel ? null
            : Config.Model.Lora is not null ? Qwen2Policy.BaseOf(policy) : new Qwen2Policy(CopyOf(policy.Model));
        if (Config.Model.Lora is null)
        {
            reference?.Module.Freeze();
        }
        using var critic = Config.Algorithm == AlgorithmKind.Ppo ? new Qwen2Critic(CreateCritic(policy.Model)) : null;
        var setup = new RlTrainerSetup
        {
            Config = Config,
            Policy = policy,
            Reference = reference,
            Critic = critic,
            Prompts = prompts,
            TrainRows = train,
            ValRows = val,
            Reward = reward,
            Rollout = agent?.RolloutStage(tokenizer, Config.MaxResponseLength, reward),
            OutputDir = OutputDir,
            Resume = resume,
            Log = _log,
        };
        using RlTrainer trainer = Config.Algorithm == AlgorithmKind.Ppo ? new PpoTrainer(setup) : new GrpoTrainer(setup);
        _log($"{trainer.Phase}: {trainer.TotalSteps} steps ({trainer.StepsPerEpoch} per epoch), {Config.BatchSize} prompts × {Config.N} responses per step, lr {Config.ActorLr}");
        await foreach (var step in trainer.TrainAsync(cancellationToken))
        {
            Before ??= trainer.FirstValidation;
            yield return step;
        }
        Before = trainer.FirstValidation;
        After = trainer.LastValidation;
        if (agent is not null)
        {
            AgentAfter = await agent.EvaluateAsync(policy.Model, tokenizer, Config.MaxResponseLength, Config.Seed, "after", OutputDir, cancellationToken);
        }
        ReportPath = trainer.ReportPath;
        _log($"done in {Stopwatch.GetElapsedTime(started).TotalMinutes:0.0} min; report: {ReportPath}");
    }

    /// <summary>
    /// The <c>rft</c> rounds (published in <c>rft/</c> like the SFT warm start, so a resumed run reuses them): sample,
    /// keep the trajectories that reach the threshold, fine-tune on them.
    /// </summary>
    private async IAsyncEnumerable<TrainingStepResult> RejectionSamplingAsync(AgentRun agent, RftConfig rft, Qwen2Policy policy, Qwen2Tokenizer tokenizer,
        int padTokenId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rftDir = Path.Combine(OutputDir, "rft");
        if (AtomicDirectory.IsComplete(rftDir))
        {
            _log($"rft: reusing the finished rounds in {rftDir}");
            policy.LoadWeights(Path.Combine(rftDir, "model"));
            yield break;
        }
        var logged = new List<MetricsRow>();
        for (var round = 1; round <= rft.Rounds; round++)
        {
            var kept = await agent.RejectionSampleAsync(policy.Model, tokenizer, Config.MaxResponseLength, rft, (long)Config.Seed * 7_919 + round, cancellationToken);
            if (kept.Count == 0)
            {
                _log($"rft: round {round} kept no trajectory; nothing to fine-tune on");
                continue;
            }
            using var trainer = new SftTrainer(Config with { Sft = rft.AsSft() }, policy, padTokenId, kept, _log);
            await foreach (var step in trainer.TrainAsync(cancellationToken))
            {
                logged.Add(step.Metrics);
                yield return step with { Phase = "rft" };
            }
        }
        AtomicDirectory.Publish(rftDir, dir =>
        {
            policy.SavePretrained(Path.Combine(dir, "model"));
            var metrics = MetricsLog.Create(dir);
            foreach (var row in logged)
            {
                metrics.Append(row);
            }
        }, replaceComplete: true);
    }

    private T Stage<T>(string name, Func<T> run)
    {
        var started = Stopwatch.GetTimestamp();
        var result = run();
        _log($"{name}: ready in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return result;
    }

    private (IReadOnlyList<RlRow> Train, IReadOnlyList<RlRow> Val) LoadData()
    {
        var options = new DatasetLoadOptions
        {
            InvalidRows = Config.Data.InvalidRows,
        };
        if (Config.Data.Synthetic is { } synthetic)
        {
            var dataDir = Path.Combine(OutputDir, "data");
            AtomicDirectory.Publish(dataDir, dir =>
            {
                var (trainRows, testRows) = SyntheticToolTask.GenerateSplit(synthetic.TrainCount, synthetic.ValCount, synthetic.Seed, synthetic.TaskOptions);
                RlJsonl.Write(Path.Combine(dir, "train.jsonl"), trainRows);
                RlJsonl.Write(Path.Combine(dir, "val.jsonl"), testRows);
            });
            var train = Load(Path.Combine(dataDir, "train.jsonl"));
            var val = Load(Path.Combine(dataDir, "val.jsonl"));
            _log($"data: {train.Count} synthetic training prompts, {val.Count} held-out, in {dataDir}");
            return (train, val);
        }
        var trainRowsFromFiles = Config.Data.TrainFiles.SelectMany(Load).ToList();
        var valRowsFromFiles = Config.Data.ValFiles.SelectMany(Load).ToList();
        _log($"data: {trainRowsFromFiles.Count} training prompts from {string.Join(", ", Config.Data.TrainFiles)}; {valRowsFromFiles.Count} held-out");
        return (trainRowsFromFiles, valRowsFromFiles);

        IReadOnlyList<RlRow> Load(string path)
        {
            var dataset = RlDataset.Load(path, options);
            if (dataset.Problems.Count > 0)
            {
                _log($"data: {path}: skipped {dataset.Problems.Count} invalid row(s), first: {dataset.Problems[0]}");
            }
            return dataset.Rows;
        }
    }

    private IReadOnlyList<SftRow> LoadSftRows(IReadOnlyList<RlRow> train)
    {
        if (Config.Sft!.TrainFiles.Count == 0)
        {
            // ToolRL's ground truths are complete answers, so the RL prompts double as SFT data (the paper's SFT baselines).
            return train.Select(SftRow.FromRlRow).ToList();
        }
        return Config.Sft.TrainFiles.SelectMany(path =>
        {
            var dataset = SftDataset.Load(path);
            if (dataset.Problems.Count > 0)
            {
                _log($"sft: {path}: skipped {dataset.Problems.Count} invalid row(s), first: {dataset.Problems[0]}");
            }
            return dataset.Rows;
        }).ToList();
    }

    private Qwen2Tokenizer LoadTokenizer(IReadOnlyList<RlRow> train, IReadOnlyList<string>? agentCorpus)
    {
        var tokenizerConfig = Config.Tokenizer;
        if (tokenizerConfig.TrainBpe is not { } bpe)
        {
            var path = tokenizerConfig.Path ?? Config.Model.BaseModel
                ?? throw new InvalidOperationException("no tokenizer: set tokenizer.path, model.base_model, or tokenizer.train_bpe");
            return Qwen2Tokenizer.FromDirectory(path);
        }
        var dir = Path.Combine(OutputDir, "tokenizer");
        AtomicDirectory.Publish(dir, temp =>
        {
            // The corpus is what the model will read and write: prompts, answers, and the chat template's role words.
            var corpus = (agentCorpus ?? SyntheticToolTask.CorpusTexts(train))
                .Concat(agentCorpus is null && Config.Sft?.TrainFiles.Count > 0 ? LoadSftRows(train).Select(r => r.Response.Content) : [])
                .Append("system\nuser\nassistant\n");
            var tokenizer = BpeTrainer.Train(corpus, bpe.VocabSize, new BpeTrainerOptions { MinFrequency = bpe.MinFrequency });
            tokenizer.Save(temp);
        });
        var trained = Qwen2Tokenizer.FromDirectory(dir);
        _log($"tokenizer: byte-level BPE with {trained.VocabSize} tokens in {dir}");
        return trained;
    }

    private Qwen2ForCausalLM CreatePolicy(Qwen2Tokenizer tokenizer)
    {
        if (Config.Model.BaseModel is { } baseModel)
        {
            return Qwen2ForCausalLM.FromPretrained(baseModel);
        }
        var tiny = Config.Model.Tiny!;
        var config = new Qwen2Config
        {
            VocabSize = tiny.VocabSize ?? tokenizer.VocabSize,
            HiddenSize = tiny.HiddenSize,
            IntermediateSize = tiny.IntermediateSize,
            NumHiddenLayers = tiny.NumHiddenLayers,
            NumAttentionHeads = tiny.NumAttentionHeads,
            NumKeyValueHeads = tiny.NumKeyValueHeads,
            MaxPositionEmbeddings = tiny.MaxPositionEmbeddings,
            RopeTheta = tiny.RopeTheta,
            RmsNormEps = tiny.RmsNormEps,
            TieWordEmbeddings = tiny.TieWordEmbeddings,
            EosTokenIds = [tokenizer.ImEndTokenId],
            PadTokenId = tokenizer.PadTokenId,
        };
        if (config.VocabSize < tokenizer.VocabSize)
        {
            throw new InvalidOperationException($"model.tiny.vocab_size {config.VocabSize} is smaller than the tokenizer's {tokenizer.VocabSize} tokens; remove vocab_size or raise it.");
        }
        return Qwen2ForCausalLM.CreateRandom(config, tiny.InitSeed ?? Config.Seed);
    }

    private static Qwen2ForCausalLM CopyOf(Qwen2ForCausalLM model)
    {
        var copy = Qwen2ForCausalLM.CreateRandom(model.Config, 0, model.DType, model.Device);
        copy.LoadStateDict(model.StateDict());
        return copy;
    }

    private Qwen2ValueModel CreateCritic(Qwen2ForCausalLM policy) =>
        Config.Model.Lora is not null ? Qwen2ValueModel.CreateWithAdapters(policy, Config.Seed)
        : Config.Model.CriticFromPolicy ? Qwen2ValueModel.CreateFrom(policy, Config.Seed) : Qwen2ValueModel.CreateRandom(policy.Config, Config.Seed, policy.DType, policy.Device);

    private IRewardFunction CreateReward()
    {
        // Each function gets its own `options` (the built-in toolrl falls back to the reward.toolrl switches).
        var functions = Config.Reward.Functions
            .Select(f => new WeightedFunction(RewardRegistry.Default.Create(f.Name, Config.Reward.OptionsFor(f)), f.Weight))
            .ToList();
        return new WeightedReward(functions);
    }

    private SamplingSettings Greedy(PromptEncoder prompts) => new(Config.MaxResponseLength, 0, 1, -1, prompts.StopTokenIds);

    private void ClearPreviousRun()
    {
        foreach (var name in new[] { "data", "tokenizer", "sft", "rft", "checkpoints", ValidationLog.FolderName })
        {
            var dir = Path.Combine(OutputDir, name);
            if (Directory.Exists(dir))
            {
                AtomicDirectory.MoveToTrashAndDelete(dir);
            }
        }
        foreach (var name in new[] { MetricsLog.JsonlFileName, MetricsLog.CsvFileName, "report.html", AgentRun.EvalFileName })
        {
            File.Delete(Path.Combine(OutputDir, name));
        }
    }
}
