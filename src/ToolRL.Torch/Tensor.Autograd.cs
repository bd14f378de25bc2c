using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

public partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor (settable on leaves).</summary>
    public bool RequiresGrad
    {
        get
        {
            var r = trl_tensor_requires_grad(Handle) != 0;
            GC.KeepAlive(this);
            return r;
        }
        set
        {
            Check(trl_tensor_set_requires_grad(Handle, value ? 1 : 0));
            GC.KeepAlive(this);
        }
    }

    /// <summary>Whether this tensor was created in inference mode (and so can never join autograd).</summary>
    public bool IsInference { get { var r = trl_tensor_is_inference(Handle) != 0; GC.KeepAlive(this); return r; } }

    /// <summary>Whether this tensor is a leaf of the autograd graph (created by the user, not by an op).</summary>
    public bool IsLeaf { get { var r = trl_tensor_is_leaf(Handle) != 0; GC.KeepAlive(this); return r; } }

    /// <summary>The accumulated gradient as a new handle (owned by the caller / current scope), or null if none.</summary>
    public Tensor? Grad
    {
        get
        {
            var g = trl_tensor_grad(Handle);
            GC.KeepAlive(this);
            if (g == IntPtr.Zero)
            {
                var error = System.Runtime.InteropServices.Marshal.PtrToStringUTF8(trl_last_error());
                return string.IsNullOrEmpty(error) ? null : throw new TorchException(error);
            }
            return new Tensor(g);
        }
    }

    /// <summary>Replaces the gradient (null removes it).</summary>
    public void SetGrad(Tensor? gradient)
    {
        Check(trl_tensor_set_grad(Handle, gradient?.Handle ?? IntPtr.Zero));
        GC.KeepAlive(this);
        GC.KeepAlive(gradient);
    }

    /// <summary>
    /// Back-propagates from this tensor, accumulating into the leaves' <see cref="Grad"/>.
    /// <paramref name="gradient"/> is required unless this is a single-element tensor.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false)
    {
        Check(trl_tensor_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retainGraph ? 1 : 0));
        GC.KeepAlive(this);
        GC.KeepAlive(gradient);
    }

    /// <summary>Makes a non-leaf keep its gradient after <see cref="Backward"/>.</summary>
    public void RetainGrad()
    {
        Check(trl_tensor_retain_grad(Handle));
        GC.KeepAlive(this);
    }

    /// <summary>A new handle sharing the data but cut from the autograd graph.</summary>
    public Tensor Detach() => Unary(Native.Unary.Detach);

    /// <summary>Drops the gradient (PyTorch 2's set_to_none), or zeroes it in place when <paramref name="setToNone"/> is false.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        Check(trl_tensor_zero_grad(Handle, setToNone ? 1 : 0));
        GC.KeepAlive(this);
    }
}
