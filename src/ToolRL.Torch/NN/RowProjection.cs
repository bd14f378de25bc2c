using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch.NN;

/// <summary>
/// The vocabulary projection of a few rows, as in a decode step (native/src/model_rows.cpp, owned by the model
/// area): <c>x·Wᵀ</c> for x [R, H] with R ≤ 16 streams the [V, H] weight once through an AVX2/FMA kernel instead
/// of letting BLAS repack it (about twice as fast on CPU); elsewhere it is <c>(W·xᵀ)ᵀ</c> through the GEMM.
/// Values equal <c>x·Wᵀ</c> up to float summation order.
/// </summary>
public static class RowProjection
{
    /// <summary>[R, V] = <paramref name="rows"/> [R, H] · <paramref name="weight"/> [V, H]ᵀ (+ <paramref name="bias"/> [V]),
    /// in their (shared) dtype: a linear layer applied to a few rows. Differentiable only through the GEMM path
    /// (when gradients are recorded the kernel is not used).</summary>
    public static Tensor Compute(Tensor rows, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(weight);
        var r = NativeMethods.Check(trl_model_project_rows(rows.Handle, weight.Handle, bias?.Handle ?? IntPtr.Zero));
        GC.KeepAlive(rows);
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        return Tensor.Wrap(r);
    }

    /// <summary>Rows up to which the streaming kernel is used (more rows: the GEMM's reuse of the weight wins).</summary>
    public const int KernelMaxRows = 16;

    [DllImport(NativeMethods.Lib)]
    private static extern IntPtr trl_model_project_rows(IntPtr rows, IntPtr weight, IntPtr bias);
}
