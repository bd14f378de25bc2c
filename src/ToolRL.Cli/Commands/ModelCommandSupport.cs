using System.CommandLine;
using ToolRL.Models;
using ToolRL.Tokenization;
using ToolRL.Torch;

namespace ToolRL.Cli.Commands;

/// <summary>Options and loading shared by <c>toolrl generate</c> and <c>toolrl score</c>.</summary>
internal static class ModelCommandSupport
{
    public static Option<DirectoryInfo> ModelOption() =>
        new("--model") { Description = "Hugging Face Qwen2/Qwen2.5 folder: config.json + model.safetensors (or shards).", Required = true };

    public static Option<DirectoryInfo?> AdapterOption() =>
        new("--adapter") { Description = "LoRA adapter folder (adapter_config.json + adapter_model.safetensors, ours or PEFT's) applied to --model, unmerged." };

    public static Option<string?> DTypeOption() =>
        new("--dtype") { Description = "Compute dtype: float32 (CPU default), bfloat16 (CUDA default) or float16." };

    public static Option<string?> DeviceOption() =>
        new("--device") { Description = "cpu (default), cuda or cuda:N." };

    /// <summary>Loads the model with the chosen dtype/device (parsed with messages naming the option).</summary>
    public static Qwen2ForCausalLM Load(DirectoryInfo dir, string? dtype, string? device, DirectoryInfo? adapter = null)
    {
        Device? dev = null;
        if (device is not null)
        {
            try
            {
                dev = Device.Parse(device);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                throw new UsageException($"--device '{device}' is not a device; fix: use cpu, cuda or cuda:N");
            }
        }
        DType? dt = dtype is null ? null : ParseDType(dtype);
        var model = Qwen2ForCausalLM.FromPretrained(dir.FullName, dt, dev);
        if (adapter is not null)
        {
            try
            {
                model.LoadAdapter(adapter.FullName);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        model.Eval();
        return model;
    }

    /// <summary>A --dtype value, or an error naming the option.</summary>
    public static DType ParseDType(string dtype)
    {
        try
        {
            return ModelDTypes.Parse(dtype);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--dtype: {e.Message}");
        }
    }

    /// <summary>The tokenizer of the model folder, or a clear error when it has none.</summary>
    public static Qwen2Tokenizer Tokenizer(DirectoryInfo dir) => Qwen2Tokenizer.FromDirectory(dir.FullName);
}
