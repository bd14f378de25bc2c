using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>How a fresh parameter is initialised (transformers' <c>Qwen2PreTrainedModel._init_weights</c>).</summary>
internal enum WeightInit
{
    /// <summary>Normal(0, initializer_range): linear and embedding weights.</summary>
    Normal,

    /// <summary>Zeros: linear biases.</summary>
    Zeros,

    /// <summary>Ones: RMSNorm weights.</summary>
    Ones,
}

/// <summary>
/// Supplies each parameter by its Hugging Face name and expected shape, so that the modules are built once,
/// directly from checkpoint tensors or from a seeded initialisation (never initialised and then overwritten).
/// </summary>
internal abstract class WeightSource
{
    /// <summary>The tensor for <paramref name="name"/> with exactly <paramref name="shape"/>, in the model dtype and device;
    /// the caller owns it.</summary>
    public abstract Tensor Take(string name, long[] shape, WeightInit init);
}

/// <summary>Fresh weights: Normal(0, std) for matrices, zeros for biases, ones for norms, from one seeded generator.</summary>
internal sealed class RandomWeights(double std, Generator generator, DType dtype, Device device) : WeightSource
{
    public override Tensor Take(string name, long[] shape, WeightInit init)
    {
        using var noGrad = NoGrad();
        return init switch
        {
            // Drawn in float32 so that a seed gives the same model in every dtype.
            WeightInit.Normal => DrawNormal(shape),
            WeightInit.Zeros => Zeros(shape, dtype, device),
            _ => Ones(shape, dtype, device),
        };
    }

    private Tensor DrawNormal(long[] shape)
    {
        var t = Empty(shape, DType.Float32);
        NormalInPlace(t, 0, std, generator);
        if (dtype == DType.Float32 && device == Device.Cpu)
        {
            return t;
        }
        var converted = t.To(dtype, device);
        t.Dispose();
        return converted;
    }
}
