using ToolRL.Torch.NN;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.Optim;

/// <summary>Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_).</summary>
public static class GradClip
{
    /// <summary>
    /// Scales all gradients by maxNorm / (total + 1e-6) when the total p-norm exceeds <paramref name="maxNorm"/>,
    /// and returns the total norm before clipping. A non-finite total (NaN/∞) is returned as is and nothing is
    /// scaled: the caller should skip the optimiser step (see <see cref="double.IsFinite"/>).
    /// </summary>
    public static unsafe double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var ps = parameters.ToArray();
        var handles = Tensor.Handles(ps);
        double total;
        fixed (IntPtr* p = handles)
        {
            Check(trl_clip_grad_norm(p, handles.Length, maxNorm, normType, &total));
        }
        GC.KeepAlive(ps);
        return total;
    }
}
