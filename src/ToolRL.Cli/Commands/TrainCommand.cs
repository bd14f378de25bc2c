using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using ToolRL.Cli.Training;
using ToolRL.Configuration;
using ToolRL.Rewards;
using ToolRL.Runs;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Training;
using ValidationResult = ToolRL.Training.Validation.ValidationResult;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl train CONFIG.json [--output DIR] [--resume [--allow-config-change] | --overwrite] [--threads N]
/// [--nproc-per-node N [--nnodes M --node-rank R --master-addr A --master-port P]]</c>: runs the whole pipeline of a
/// configuration (data, tokenizer, model, SFT warm start, GRPO/PPO) with console progress, metrics, checkpoints and an
/// HTML report. With <c>--nproc-per-node</c> it launches that many data-parallel ranks (<see cref="RankLauncher"/>);
/// started with torchrun's variables set (RANK, WORLD_SIZE, ...), it is one rank (docs/distributed.md).
/// </summary>
public sealed class TrainCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var configArgument = new Argument<FileInfo>("config") { Description = "Training configuration (JSON), e.g. configs/grpo-tiny.json." };
        var outputOption = new Option<DirectoryInfo?>("--output") { Description = "Output folder (default: trainer.output_dir of the config)." };
        var resumeOption = new Option<bool>("--resume") { Description = "Continue from the latest complete checkpoint in the output folder (finished stages are reused)." };
        var overwriteOption = new Option<bool>("--overwrite")
        {
            Description = "Replace the run already in the output folder (it is moved aside and deleted once the new run has started).",
        };
        var allowChangeOption = new Option<bool>("--allow-config-change")
        {
            Description = "With --resume: accept changed schedule-like settings (learning rate, KL coefficient, total steps, save/test frequency); logged and recorded.",
        };
        var threadsOption = new Option<int?>("--threads")
        {
            Description = "libtorch intra-op threads (default: the machine's core count; libtorch's own default is often 1).",
        };
        threadsOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1)
            {
                result.AddError("--threads must be at least 1, e.g. --threads 2 (or leave it out for the core count)");
            }
        });
        var timeoutOption = new Option<double>("--dist-timeout")
        {
            Description = "Data-parallel ranks: seconds a collective may wait for the other ranks before the run fails (default 1800, torch.distributed's).",
            DefaultValueFactory = _ => ProcessGroup.DefaultTimeout.TotalSeconds,
        };
        timeoutOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is not (> 0 and < 2_000_000))
            {
                result.AddError("--dist-timeout must be a positive number of seconds, e.g. --dist-timeout 600");
            }
        });
        var shardOption = new Option<bool>("--shard-optimizer")
        {
            Description = "Data-parallel ranks: each keeps the AdamW state of 1/N of the parameters (ZeRO stage 1); same results, less memory per rank.",
        };
        var launch = new LaunchOptions();
        var command = new Command("train", "Train a policy: data → tokenizer → model → SFT warm start → GRPO/PPO, as the configuration says.")
        {
            configArgument,
            outputOption,
            resumeOption,
            overwriteOption,
            allowChangeOption,
            threadsOption,
            timeoutOption,
            shardOption,
        };
        launch.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (launch.PlanOf(parse) is { } plan)
            {
                // The ranks run this command again without the launcher options (torchrun's variables tell them apart).
                var rankArguments = new List<string> { "train", parse.GetValue(configArgument)!.FullName };
                if (parse.GetValue(outputOption) is { } dir)
                {
                    rankArguments.AddRange(["--output", dir.FullName]);
                }
                rankArguments.AddRange(new[] { (resumeOption, "--resume"), (overwriteOption, "--overwrite"), (allowChangeOption, "--allow-config-change"), (shardOption, "--shard-optimizer") }
                    .Where(o => parse.GetValue(o.Item1)).Select(o => o.Item2));
                if (parse.GetValue(threadsOption) is { } t)
                {
                    rankArguments.AddRange(["--threads", t.ToString(CultureInfo.InvariantCulture)]);
                }
                rankArguments.AddRange(["--dist-timeout", parse.GetValue(timeoutOption).ToString(CultureInfo.InvariantCulture)]);
                return await RankLauncher.RunAsync(plan, rankArguments, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken);
            }
            var config = TrainingConfig.Load(parse.GetValue(configArgument)!.FullName);
            var output = parse.GetValue(outputOption)?.FullName ?? config.Trainer.OutputDir;
            if ((parse.GetValue(threadsOption) ?? Program.DefaultTrainThreads) is { } threads)
            {
                torch.IntraOpThreads = threads;
            }
            var start = new RunStartOptions
            {
                Resume = parse.GetValue(resumeOption),
                Overwrite = parse.GetValue(overwriteOption),
                AllowConfigChange = parse.GetValue(allowChangeOption),
            };
            // Started by a launcher (this one, torchrun, srun): join the other ranks; only rank 0 prints progress.
            using var group = DistributedEnvironment.FromEnvironment() is { } rank
                ? ProcessGroup.Init(rank, DistributedBackend.Gloo, TimeSpan.FromSeconds(parse.GetValue(timeoutOption)))
                : null;
            var writer = group is { Rank: > 0 } ? TextWriter.Null : parse.InvocationConfiguration.Output;
            return await RunAsync(config, output, start, group, parse.GetValue(shardOption), writer, cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(TrainingConfig config, string output, RunStartOptions start, ProcessGroup? group, bool shardOptimizer, TextWriter writer, CancellationToken cancellationToken)
    {
        // The console's own writer keeps colour detection; another writer (a test's) gets plain text.
        var console = new TrainingConsole(writer == Console.Out ? AnsiConsole.Console : PlainConsole(writer));
        console.Headline($"toolrl train: {config.Trainer.ExperimentName} ({config.Algorithm.ToString().ToLowerInvariant()}) → {output}");
        console.Note($"libtorch intra-op threads: {torch.IntraOpThreads}");
        // The same entry as a script's Train.GrpoAsync/PpoAsync/...: one training path.
        var pipeline = Train.Pipeline(new TrainingRequest { Config = config, OutputDir = output, Start = start, Logger = new ConsoleNoteLogger(console) });
        try
        {
            // Data-parallel ranks (started with torchrun's variables): docs/distributed.md.
            pipeline.Group = group;
            pipeline.ShardOptimizer = shardOptimizer;
            if (group is not null)
            {
                console.Note($"data-parallel: rank {group.Rank} of {group.WorldSize} ({group.Backend}{(shardOptimizer ? ", optimizer state sharded (ZeRO-1)" : "")})");
            }
            await foreach (var step in pipeline.RunAsync(cancellationToken))
            {
                console.Step(step);
            }
        }
        catch (OperationCanceledException)
        {
            console.Note("interrupted; run again with --resume to continue from the latest checkpoint");
            return ExitCodes.Interrupted;
        }
        if (pipeline.Before is { } before && pipeline.After is { } after)
        {
            console.Table("held-out (greedy decoding)", ["metric", "before RL (after SFT)", "after RL"],
            [
                Row("reward (total)", before.Reward, after.Reward),
                Row("format", before.Component(ToolRLRewardFunction.FormatComponent), after.Component(ToolRLRewardFunction.FormatComponent)),
                Row("correctness", before.Component(ToolRLRewardFunction.CorrectnessComponent), after.Component(ToolRLRewardFunction.CorrectnessComponent)),
                Row("tool-call exact match", before.ExactMatch, after.ExactMatch),
            ]);
            ShowSamples(console, after);
        }
        else if (pipeline.After is { } only)
        {
            console.Table("held-out (greedy decoding)", ["metric", "value"],
            [
                [ "reward (total)", F(only.Reward) ], [ "format", F(only.Component(ToolRLRewardFunction.FormatComponent)) ], [ "correctness", F(only.Component(ToolRLRewardFunction.CorrectnessComponent)) ], [ "tool-call exact match", F(only.ExactMatch) ],
            ]);
        }
        if (pipeline.ReportPath is { } report)
        {
            console.Note($"report: {report}");
        }
        return 0;
    }

    private static IAnsiConsole PlainConsole(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 100_000;   // whole lines: no wrapping at a guessed terminal width
        return console;
    }

    private static void ShowSamples(TrainingConsole console, ValidationResult result)
    {
        foreach (var (request, response, groundTruth) in result.Samples.Take(2))
        {
            console.Note($"request:  {OneLine(request)}");
            console.Note($"response: {OneLine(response)}");
            console.Note($"expected: {OneLine(groundTruth)}");
        }
    }

    private static string OneLine(string text) => text.Replace("\n", " ⏎ ", StringComparison.Ordinal);

    private static IReadOnlyList<string> Row(string name, double before, double after) => [name, F(before), F(after)];

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
