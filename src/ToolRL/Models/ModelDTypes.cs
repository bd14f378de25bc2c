using ToolRL.Torch;

namespace ToolRL.Models;

/// <summary>Model dtypes: defaults per device and the names used in config.json and on the command line.</summary>
public static class ModelDTypes
{
    /// <summary>The dtype a model computes in when the caller does not choose: float32 on CPU, bfloat16 on CUDA.</summary>
    public static DType DefaultFor(Device device) => device.IsCuda ? DType.BFloat16 : DType.Float32;

    /// <summary>Parses Hugging Face dtype names ("bfloat16", "float16", "float32") and our short ones.</summary>
    public static DType Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" or "f32" or "float" => DType.Float32,
        "bfloat16" or "bf16" => DType.BFloat16,
        "float16" or "fp16" or "f16" or "half" => DType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{text}'; use float32, bfloat16 or float16"),
    };

    /// <summary>The Hugging Face name of a floating dtype (config.json's <c>torch_dtype</c>).</summary>
    public static string HfName(DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.BFloat16 => "bfloat16",
        DType.Float16 => "float16",
        _ => throw new ArgumentException($"{dtype} is not a model dtype; use Float32, BFloat16 or Float16"),
    };
}
