#:package ToolRL@0.1.0
#:property PublishAot=false
// The paper's "SFT + GRPO" recipe as two calls: supervised fine-tuning on the prompts' ground-truth answers, then
// GRPO starting from the fine-tuned model's folder (its tokenizer comes along). A configuration with an "sft"
// section does both in one Train.GrpoAsync; two calls let you inspect, keep or swap the warm start in between.
//   dotnet run samples/scripts/sft-then-grpo.cs        (from the repository root, after packing; see README.md)
using ToolRL.Configuration;
using ToolRL.Training;

var config = TrainingConfig.Load("samples/scripts/tiny-demo.json");

var sft = await Train.SftAsync(new() { Config = config, OutputDir = "runs/demo-sft", Start = new() { Overwrite = true } });
Console.WriteLine($"sft steps={sft.Steps} loss={sft.LastStep?["sft/loss"]:R} held-out={sft.After?.Reward:R} model={sft.ModelDirectory}");

var grpo = await Train.GrpoAsync(new()
{
    Config = config with { Sft = null },                     // the warm start is done: GRPO only
    Model = sft.ModelDirectory,
    OutputDir = "runs/demo-grpo",
    Start = new() { Overwrite = true },
    Hooks = new() { OnValidation = v => Console.WriteLine($"validation step={v.Step} reward={v.Result.Reward:R} exact_match={v.Result.ExactMatch:R}") },
});
Console.WriteLine($"grpo steps={grpo.LastStep?.Step} base_model={grpo.Config.Model.BaseModel} model={grpo.ModelDirectory}");
