namespace ToolRL.Torch.NN;

/// <summary>
/// Root-mean-square layer norm as Hugging Face's Qwen2RMSNorm (key <c>weight</c>, initialised to ones):
/// variance in float32, normalise, cast back to the input dtype, then multiply by the weight.
/// </summary>
public sealed class RMSNorm : Module
{
    /// <summary>Creates the norm over the last dim of size <paramref name="dim"/>.</summary>
    public RMSNorm(long dim, double eps = 1e-6, DType dtype = DType.Float32, Device? device = null)
    {
        Eps = eps;
        using (var w = torch.Ones([dim], dtype, device))
        {
            Weight = new Parameter(w);
        }
        RegisterParameter("weight", Weight);
    }

    /// <summary>The epsilon added to the mean square.</summary>
    public double Eps { get; }

    /// <summary>The scale [dim].</summary>
    public Parameter Weight { get; }

    /// <summary>The normalised <paramref name="x"/> (one fused native call).</summary>
    public Tensor Forward(Tensor x) => Functional.RmsNorm(x, Weight, Eps);
}
