using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch.NN;

/// <summary>
/// Gradient checkpointing of a function of one tensor (native/src/model_checkpoint.cpp, owned by the model area):
/// the forward keeps none of the function's activations, and the backward runs the function again with gradients
/// recorded before back-propagating through it. Trades one extra forward for the activation memory of the
/// function; the function must be deterministic.
/// </summary>
public static class GradientCheckpoint
{
    /// <summary>
    /// <paramref name="function"/>(<paramref name="input"/>, <paramref name="captured"/>), checkpointed when gradients
    /// are being recorded (otherwise a plain call). The function is called again during the backward (on a copy of
    /// the input), so it must not change state between calls. <paramref name="captured"/> are the other tensors it
    /// reads (constants for autograd: no gradient flows into them): the checkpoint passes the function its own
    /// handles to them, which stay valid until the backward node is destroyed, whatever the caller disposes. The
    /// function's parameters receive their gradients during that backward, as without checkpointing.
    /// </summary>
    public static unsafe Tensor Apply(Tensor input, IReadOnlyList<Tensor?> captured, Func<Tensor, IReadOnlyList<Tensor?>, Tensor> function)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(captured);
        ArgumentNullException.ThrowIfNull(function);
        if (!torch.IsGradEnabled)
        {
            return function(input, captured);
        }
        var call = new Call(function, captured.Select(t => t?.Detach().DetachFromScope()).ToArray());
        var state = GCHandle.Alloc(call);   // released by the native node (Release) when it is destroyed
        var r = trl_model_checkpoint(input.Handle, &Run, &Release, GCHandle.ToIntPtr(state));
        GC.KeepAlive(input);
        return Tensor.Wrap(r);
    }

    /// <summary>The function and the tensor handles it owns for the lifetime of the autograd node.</summary>
    private sealed record Call(Func<Tensor, IReadOnlyList<Tensor?>, Tensor> Function, Tensor?[] Captured);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static IntPtr Run(IntPtr state, IntPtr input)
    {
        try
        {
            var call = (Call)GCHandle.FromIntPtr(state).Target!;
            using var scope = torch.NewScope();
            var output = call.Function(Tensor.Wrap(input), call.Captured);
            return output.StealHandle();
        }
        catch (Exception e)   // nothing may cross the native frames: the message travels as the bridge's error
        {
            trl_model_checkpoint_error(e.ToString());
            return IntPtr.Zero;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Release(IntPtr state)
    {
        var handle = GCHandle.FromIntPtr(state);
        foreach (var t in ((Call)handle.Target!).Captured)
        {
            t?.Dispose();
        }
        handle.Free();
    }

    [DllImport(NativeMethods.Lib)]
    private static extern unsafe IntPtr trl_model_checkpoint(IntPtr input, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, IntPtr> function,
        delegate* unmanaged[Cdecl]<IntPtr, void> release, IntPtr state);

    [DllImport(NativeMethods.Lib)]
    private static extern void trl_model_checkpoint_error([MarshalAs(UnmanagedType.LPUTF8Str)] string message);
}
