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
    /// <summary>logits [R, V] = <paramref name="rows"/> [R, H] · <paramref name="weight"/> [V, H]ᵀ, in their (shared) dtype.
    /// Differentiable only through the GEMM path (when gradients are recorded the kernel is not used).</summary>
    public static Tensor Compute(Tensor rows, Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(weight);
        var r = NativeMethods.Check(trl_model_project_rows(rows.Handle, weight.Handle));
        GC.KeepAlive(rows);
        GC.KeepAlive(weight);
        return Tensor.Wrap(r);
    }

    [DllImport(NativeMethods.Lib)]
    private static extern IntPtr trl_model_project_rows(IntPtr rows, IntPtr weight);
}
