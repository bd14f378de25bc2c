using System.CommandLine;
using ToolRL.Configuration;
using ToolRL.Configuration.Planning;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl plan CONFIG.json</c>: the resolved configuration, steps per epoch and in total, samples per step and
/// memory per device, from the configuration and the model's config.json only (no weights are loaded).
/// </summary>
public sealed class PlanCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var config = new Argument<FileInfo>("config") { Description = "Training configuration (JSON)." };
        var baseModel = new Option<string?>("--base-model") { Description = "Folder of the downloaded model (holding config.json); overrides model.base_model." };
        var trainRows = new Option<long?>("--train-rows") { Description = "Number of training rows, if the data files are not at hand." };
        var devices = new Option<int>("--devices") { Description = "Data-parallel devices (state replicated on each, rollouts split), as toolrl train --nproc-per-node runs them.", DefaultValueFactory = _ => 1 };
        var shardOptimizer = new Option<bool>("--shard-optimizer") { Description = "With --devices: the policy's AdamW state sharded over them (ZeRO-1), as toolrl train --shard-optimizer." };
        var generationBatch = new Option<int?>("--generation-batch") { Description = "Sequences generated at once per device (sizes the KV cache)." };
        var json = new Option<bool>("--json") { Description = "Print the plan (with the resolved configuration) as JSON." };
        var noConfig = new Option<bool>("--no-config") { Description = "Do not print the resolved configuration." };
        var command = new Command("plan", "Show what a training configuration will do and the memory it needs per device, without loading weights.")
        {
            config, baseModel, trainRows, devices, shardOptimizer, generationBatch, json, noConfig,
        };
        command.SetAction(parse =>
        {
            var options = new PlanOptions
            {
                BaseModel = parse.GetValue(baseModel),
                TrainRows = parse.GetValue(trainRows),
                Devices = parse.GetValue(devices),
                ShardOptimizer = parse.GetValue(shardOptimizer),
                GenerationBatch = parse.GetValue(generationBatch),
            };
            if (options.Devices < 1 || options.TrainRows < 0 || options.GenerationBatch < 1)
            {
                throw new UsageException("--devices and --generation-batch must be at least 1 and --train-rows at least 0");
            }
            var plan = TrainingPlanner.Plan(TrainingConfig.Load(parse.GetValue(config)!.FullName), options);
            if (parse.GetValue(json))
            {
                Console.WriteLine(PlanFormatter.ToJson(plan).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            if (!parse.GetValue(noConfig))
            {
                Console.WriteLine("Resolved configuration:");
                Console.WriteLine(plan.Config.ToJsonString());
                Console.WriteLine();
            }
            Console.Write(PlanFormatter.ToText(plan));
            return 0;
        });
        return command;
    }
}
