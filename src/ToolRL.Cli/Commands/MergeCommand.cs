using System.CommandLine;
using ToolRL.Models;

namespace ToolRL.Cli.Commands;

/// <summary>
/// <c>toolrl merge --model BASE --adapter DIR --output OUT [--dtype D]</c>: folds a LoRA adapter (ours or PEFT's) into its
/// base model (W + s·B·A) and writes a plain Hugging Face folder, the layout of <c>SavePretrained</c>, with the base's
/// tokenizer and generation_config.json copied. Weights are stored in the base's <c>torch_dtype</c> unless --dtype says otherwise.
/// </summary>
public sealed class MergeCommand : ICliCommand
{
    /// <inheritdoc />
    public Command Build()
    {
        var model = ModelCommandSupport.ModelOption();
        var adapter = new Option<DirectoryInfo>("--adapter") { Description = "LoRA adapter folder: adapter_config.json + adapter_model.safetensors.", Required = true };
        var output = new Option<DirectoryInfo>("--output") { Description = "Folder for the merged model (created; must not be the base folder).", Required = true };
        var dtype = new Option<string?>("--dtype") { Description = "Stored dtype of the merged weights: bfloat16, float16 or float32 (default: the base's torch_dtype)." };
        var command = new Command("merge", "Merge a LoRA adapter into its base model and save a Hugging Face folder.") { model, adapter, output, dtype };
        command.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(adapter)!, parse.GetValue(output)!, parse.GetValue(dtype)));
        return command;
    }

    private static int Run(DirectoryInfo baseDir, DirectoryInfo adapterDir, DirectoryInfo output, string? dtype)
    {
        if (Path.GetFullPath(output.FullName).TrimEnd('/') == Path.GetFullPath(baseDir.FullName).TrimEnd('/'))
        {
            throw new UsageException($"--output {output.FullName} is the base model's folder; fix: write the merged model to a new folder.");
        }
        // Merged in float32 (W + s·B·A rounded once), then stored in the requested dtype.
        using var model = Qwen2ForCausalLM.FromPretrained(baseDir.FullName, Torch.DType.Float32);
        model.LoadAdapter(adapterDir.FullName);
        var stored = dtype is not null ? ModelCommandSupport.ParseDType(dtype)
            : model.Config.TorchDtype is { } name ? ModelCommandSupport.ParseDType(name) : Torch.DType.Float32;
        model.SavePretrained(output.FullName, stored);
        var lora = model.Model.Lora!;
        Console.Error.WriteLine($"merge: r {lora.R} adapter on {string.Join(", ", lora.TargetModules)} merged into {baseDir.FullName}; saved {ModelDTypes.HfName(stored)} weights to {output.FullName}");
        return 0;
    }
}
