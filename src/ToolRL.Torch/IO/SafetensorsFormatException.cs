namespace ToolRL.Torch.IO;

/// <summary>A safetensors file (or sharded checkpoint index) that is malformed; the message names the file, the tensor and the problem.</summary>
public sealed class SafetensorsFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SafetensorsFormatException(string path, string? tensorName, string problem)
        : base($"{path}: " + (tensorName is null ? "" : $"tensor '{tensorName}': ") + problem)
    {
        FilePath = path;
        TensorName = tensorName;
    }

    /// <summary>The offending file.</summary>
    public string FilePath { get; }

    /// <summary>The offending tensor, when the problem is tied to one.</summary>
    public string? TensorName { get; }
}
