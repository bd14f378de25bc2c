namespace ToolRL.Torch;

/// <summary>
/// The finalizer safety net of one <see cref="Tensor"/> that no scope owns: referenced only by that tensor, it
/// becomes unreachable with it, and its finalizer then frees the native handle. Kept out of <see cref="Tensor"/>
/// so that scope-owned tensors (most of them) are plain, cheaply allocated objects.
/// </summary>
internal sealed class TensorFinalizer(Tensor owner)
{
    ~TensorFinalizer() => owner.Free();
}
