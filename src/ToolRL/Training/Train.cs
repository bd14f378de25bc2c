using System.Text.Json.Nodes;
using ToolRL.Configuration;
using ToolRL.Rewards;
using ToolRL.Tokenization;
using ToolRL.Training.Pipeline;

namespace ToolRL.Training;

/// <summary>
/// One-call trainers for scripts, TRL's <c>GRPOTrainer(model=…, reward_funcs=[…], args=…, train_dataset=…).train()</c>
/// in one awaited call. Each resolves the <see cref="TrainingRequest"/> into a configuration plus in-memory inputs and
/// runs the same <see cref="TrainingPipeline"/> as <c>toolrl train</c> (run folder checks, SFT warm start when the
/// configuration has an <c>sft</c> section, checkpoints, resume, metrics, report).
/// </summary>
/// <example>
/// <code>
/// var result = await Train.GrpoAsync(new() { Config = "configs/grpo-tiny.json", Rewards = ["toolrl", new(new MyReward(), 0.5)] });
/// Console.WriteLine($"held-out reward {result.Before?.Reward} → {result.After?.Reward}; model in {result.ModelDirectory}");
/// </code>
/// </example>
public static class Train
{
    /// <summary>GRPO (or another critic-free estimator, <c>adv_estimator</c>), after the configured SFT warm start if any.</summary>
    /// <exception cref="ConfigurationException">The configuration (with the request applied) is invalid; the message names the field and the fix.</exception>
    /// <exception cref="Runs.RunSetupException">An input is unusable or the output folder holds a run the request does not resume or replace.</exception>
    public static Task<TrainingRunResult> GrpoAsync(TrainingRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(Pipeline(request, AlgorithmKind.Grpo), cancellationToken);

    /// <summary>PPO with a critic (made from the policy's trunk, <c>model.critic_from_policy</c>), after the configured SFT warm start if any.</summary>
    /// <inheritdoc cref="GrpoAsync" path="/exception" />
    public static Task<TrainingRunResult> PpoAsync(TrainingRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(Pipeline(request, AlgorithmKind.Ppo), cancellationToken);

    /// <summary>Supervised fine-tuning with the configuration's <c>sft</c> section (on the rows' ground truths, or <c>sft.train_files</c>).</summary>
    /// <inheritdoc cref="GrpoAsync" path="/exception" />
    public static Task<TrainingRunResult> SftAsync(TrainingRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(Pipeline(request, AlgorithmKind.Sft), cancellationToken);

    /// <summary>Rejection-sampling fine-tuning in the configuration's <c>environment</c> (its <c>rft</c> section): sample, keep what passes, fine-tune.</summary>
    /// <inheritdoc cref="GrpoAsync" path="/exception" />
    public static Task<TrainingRunResult> RftAsync(TrainingRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(Pipeline(request, AlgorithmKind.Rft), cancellationToken);

    /// <summary>The algorithm the configuration names (<c>algorithm</c>).</summary>
    /// <inheritdoc cref="GrpoAsync" path="/exception" />
    public static Task<TrainingRunResult> RunAsync(TrainingRequest request, CancellationToken cancellationToken = default) =>
        RunAsync(Pipeline(request), cancellationToken);

    /// <summary>
    /// The pipeline of <paramref name="request"/> without running it, for <c>await foreach (var step in
    /// pipeline.RunAsync(ct))</c>; <paramref name="algorithm"/> replaces the configured one when given.
    /// </summary>
    /// <inheritdoc cref="GrpoAsync" path="/exception" />
    public static TrainingPipeline Pipeline(TrainingRequest request, AlgorithmKind? algorithm = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Config);
        var config = request.Config.Load();
        if (algorithm is { } kind)
        {
            config = config with { Algorithm = kind };
        }
        var inputs = new PipelineInputs();

        switch (request.Model)
        {
            case { Model: { } model }:
                inputs = inputs with { Model = model };
                break;
            case { Folder: { } folder }:
                // A downloaded model brings its tokenizer, unless the request names one.
                config = config with
                {
                    Model = config.Model with { BaseModel = folder, Tiny = null },
                    Tokenizer = request.Tokenizer is null ? new TokenizerConfig { Path = folder } : config.Tokenizer,
                };
                break;
        }
        switch (request.Tokenizer)
        {
            case { Tokenizer: { } tokenizer }:
                inputs = inputs with { Tokenizer = tokenizer };
                break;
            case { Folder: { } folder }:
                config = config with { Tokenizer = new TokenizerConfig { Path = folder } };
                break;
        }
        if (request.TrainData is { } train)
        {
            // Synthetic held-out rows go with the synthetic training rows; configured val_files stay.
            config = config with { Data = config.Data with { Synthetic = null, TrainFiles = train.Path is { } path ? [path] : [] } };
            inputs = inputs with { TrainRows = train.Rows };
            if (train.Rows is not null)
            {
                inputs = inputs with { ValRows = [.. config.Data.ValFiles.SelectMany(file => Datasets(file, config))] };
            }
        }
        if (request.ValData is { } val)
        {
            if (inputs.TrainRows is null && config.Data.Synthetic is not null)
            {
                throw new ArgumentException("ValData was given but the training prompts are the configuration's synthetic ones; give TrainData too, or add val_count to data.synthetic.", nameof(request));
            }
            config = config with { Data = config.Data with { ValFiles = val.Path is { } path ? [path] : [] } };
            inputs = inputs with { ValRows = val.Rows ?? (inputs.TrainRows is null ? null : Datasets(val.Path!, config)) };
        }
        if (request.Rewards is { Count: > 0 } terms)
        {
            var duplicate = terms.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new ArgumentException($"two reward terms are named '{duplicate.Key}'; each term needs its own name (it names the rewards/NAME/mean metrics).", nameof(request));
            }
            config = config with
            {
                Reward = config.Reward with { Functions = [.. terms.Select(t => new RewardFunctionSpec(t.Name, t.Weight) { Options = t.Options })] },
            };
            inputs = inputs with { Rewards = terms.Where(t => t.Function is not null).ToDictionary(t => t.Name, t => t.Function!, StringComparer.Ordinal) };
        }

        if (request.Tools is { Count: > 0 } tools)
        {
            if (config.Environment is null)
            {
                throw new ArgumentException("Tools are offered to an agent in an environment, and the configuration has none; add an \"environment\" section (e.g. { \"name\": \"retail\" }) or leave Tools out.", nameof(request));
            }
            inputs = inputs with { AgentTools = [.. tools] };
        }

        Validate(config, inputs);
        var output = request.OutputDir ?? OutputFolder(config);
        return new TrainingPipeline(config, output, request.Start, inputs, request.Logger, request.Hooks);
    }

    private static async Task<TrainingRunResult> RunAsync(TrainingPipeline pipeline, CancellationToken cancellationToken)
    {
        TrainingStepResult? last = null;
        var steps = 0;
        await foreach (var step in pipeline.RunAsync(cancellationToken).ConfigureAwait(false))
        {
            last = step;
            steps++;
        }
        return new TrainingRunResult
        {
            Config = pipeline.Config,
            OutputDir = pipeline.OutputDir,
            ModelDirectory = pipeline.ModelDirectory ?? throw new InvalidOperationException("the run finished without a trained model"),
            LastStep = last,
            Steps = steps,
            StoppedEarly = pipeline.StoppedEarly,
            Before = pipeline.Before,
            After = pipeline.After,
            AgentBefore = pipeline.AgentBefore,
            AgentAfter = pipeline.AgentAfter,
            ReportPath = pipeline.ReportPath,
        };
    }

    /// <summary><c>trainer.output_dir</c>; for a configuration built in code that left it at the default, <c>runs/EXPERIMENT_NAME</c> (as a JSON file without it gets).</summary>
    private static string OutputFolder(TrainingConfig config) =>
        config.Trainer.OutputDir == new TrainerConfig().OutputDir ? Path.Combine("runs", config.Trainer.ExperimentName) : config.Trainer.OutputDir;

    private static IReadOnlyList<Data.RlRow> Datasets(string path, TrainingConfig config) =>
        Data.RlDataset.Load(path, new Data.DatasetLoadOptions { InvalidRows = config.Data.InvalidRows }).Rows;

    /// <summary>
    /// Every rule of a configuration file, applied to the effective configuration: what comes in memory stands in
    /// for its section (a model, a tokenizer, rows), so a script gets the same field-naming errors as <c>toolrl train</c>.
    /// </summary>
    private static void Validate(TrainingConfig config, PipelineInputs inputs)
    {
        var json = config.ToJson();
        const string InMemory = "(in memory)";
        if (inputs.Model is not null)
        {
            json["model"] = new JsonObject { ["base_model"] = InMemory };
        }
        if (inputs.Tokenizer is not null || inputs.Model is not null && config.Tokenizer.TrainBpe is null && config.Tokenizer.Path is null)
        {
            json["tokenizer"] = new JsonObject { ["path"] = InMemory };
        }
        if (inputs.TrainRows is not null && json["data"] is JsonObject data)
        {
            data["train_files"] = new JsonArray(InMemory);
            if (inputs.ValRows is { Count: > 0 })
            {
                data["val_files"] = new JsonArray(InMemory);
            }
        }
        TrainingConfig.FromJson(json, "(the request's configuration)");
    }
}
