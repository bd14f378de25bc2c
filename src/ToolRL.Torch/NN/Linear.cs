namespace ToolRL.Torch.NN;

/// <summary>y = x·Wᵀ + b with W [out, in] (nn.Linear; keys <c>weight</c>, <c>bias</c>).</summary>
public sealed class Linear : Module
{
    /// <summary>
    /// Creates the layer, initialised as PyTorch does (kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in) for
    /// weight and bias), from <paramref name="generator"/> or the default generator.
    /// </summary>
    public Linear(long inFeatures, long outFeatures, bool bias = true, DType dtype = DType.Float32, Device? device = null, Generator? generator = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var bound = 1.0 / Math.Sqrt(inFeatures);
        using (var w = torch.Empty([outFeatures, inFeatures], dtype, device))
        {
            torch.UniformInPlace(w, -bound, bound, generator);
            Weight = new Parameter(w);
        }
        RegisterParameter("weight", Weight);
        if (bias)
        {
            using var b = torch.Empty([outFeatures], dtype, device);
            torch.UniformInPlace(b, -bound, bound, generator);
            Bias = new Parameter(b);
            RegisterParameter("bias", Bias);
        }
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>The bias [out], if any.</summary>
    public Parameter? Bias { get; }

    /// <summary>x·Wᵀ + b over the last dim of <paramref name="x"/>.</summary>
    public Tensor Forward(Tensor x) => torch.Linear(x, Weight, Bias);
}
