using ToolRL.Torch;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Models;

/// <summary>
/// Whether a model's adapters take part in its forward. One instance is shared by every adapter of a model, so the
/// reference policy is the same model with <see cref="Enabled"/> off (no second copy of the base weights).
/// </summary>
internal sealed class LoraSwitch
{
    public bool Enabled { get; set; } = true;
}

/// <summary>One adapter matrix under the name <c>weight</c>, so its state-dict key is PEFT's (<c>q_proj.lora_A.weight</c>).</summary>
internal sealed class LoraMatrix : Module
{
    public LoraMatrix(Tensor weight)
    {
        Weight = new Parameter(weight);
        RegisterParameter("weight", Weight);
    }

    public Parameter Weight { get; }
}

/// <summary>
/// The low-rank update of one linear layer, <c>Δy = s · B (A dropout(x))</c> with A [r, in] and B [out, r]
/// (LoRA eq. 3; PEFT's <c>lora_B(lora_A(dropout(x))) * scaling</c>, here with s applied to the r-wide middle, which is
/// cheaper and equal up to rounding). Initialised as PEFT does: A Kaiming-uniform as <c>nn.Linear</c>
/// (U(−1/√in, 1/√in)), B zeros, so a fresh adapter leaves the model unchanged.
/// </summary>
internal sealed class LoraAdapter
{
    private readonly LoraSwitch _switch;

    public LoraAdapter(Tensor a, Tensor b, LoraConfig config, LoraSwitch enabled)
    {
        A = new LoraMatrix(a);
        B = new LoraMatrix(b);
        Scaling = config.Scaling;
        Dropout = config.Dropout;
        _switch = enabled;
    }

    /// <summary>lora_A: [r, in].</summary>
    public LoraMatrix A { get; }

    /// <summary>lora_B: [out, r].</summary>
    public LoraMatrix B { get; }

    public double Scaling { get; }

    public double Dropout { get; }

    /// <summary>True when s·B·A has been added into the base weight (the forward then skips the adapter).</summary>
    public bool Merged { get; set; }

    /// <summary>True when the forward adds the adapter's update.</summary>
    public bool Active => _switch.Enabled && !Merged;

    /// <summary>PEFT's initialisation for an adapter of a [out, in] layer: A ~ U(−1/√in, 1/√in), B = 0.</summary>
    public static (Tensor A, Tensor B) Initial(long inFeatures, long outFeatures, int r, Generator generator, DType dtype, Device device)
    {
        using var noGrad = NoGrad();
        // kaiming_uniform_(a=√5): gain √(2/(1+5)), bound gain·√(3/fan_in) = 1/√fan_in. Drawn in float32 so a seed gives the same adapter in every dtype.
        var bound = 1.0 / Math.Sqrt(inFeatures);
        var a = Empty([r, inFeatures], DType.Float32);
        UniformInPlace(a, -bound, bound, generator);
        var b = Zeros([outFeatures, r], dtype, device);
        if (dtype == DType.Float32 && device == Device.Cpu)
        {
            return (a, b);
        }
        var converted = a.To(dtype, device);
        a.Dispose();
        return (converted, b);
    }

    /// <summary>x [..., in] → s · B A dropout(x) [..., out].</summary>
    public Tensor Forward(Tensor x, bool training)
    {
        using var scope = NewScope();
        var input = training && Dropout > 0 ? ApplyDropout(x) : x;
        var down = Linear(input, A.Weight) * Scaling;   // [..., r]
        var up = Linear(down, B.Weight);                // [..., out]
        return scope.MoveToOuter(up);
    }

    /// <summary>s·B·A [out, in]: the update a merge adds to the base weight.</summary>
    public Tensor Delta() => B.Weight.MatMul(A.Weight) * Scaling;

    // Inverted dropout as nn.Dropout: keep with probability 1 − p and scale kept values by 1/(1 − p).
    private Tensor ApplyDropout(Tensor x)
    {
        var keep = Rand(x.Shape, null, x.DType, x.Device).Ge(Dropout).To(x.DType);
        return x * keep * (1.0 / (1.0 - Dropout));
    }
}
