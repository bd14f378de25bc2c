namespace ToolRL.Torch;

/// <summary>
/// Disposes, when it is disposed, every <see cref="Tensor"/> created on this thread while it was the innermost
/// open scope — except tensors moved out with <see cref="MoveToOuter{T}"/> (or <see cref="Tensor.MoveToOuterScope"/>)
/// or detached with <see cref="Detach"/>. Scopes nest and belong to the thread that opened them; dispose them
/// in reverse order (a <c>using</c> does). This is what keeps a training step, with its hundreds of
/// temporaries, from leaking native memory.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _tensors = [];
    private bool _disposed;

    private TensorScope(TensorScope? outer) => _outer = outer;

    /// <summary>The innermost open scope of this thread, if any.</summary>
    public static TensorScope? Current => _current;

    /// <summary>Opens a scope nested in the current one and makes it current.</summary>
    internal static TensorScope Open() => _current = new TensorScope(_current);

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (var t in _tensors)
            {
                if (ReferenceEquals(t.OwningScope, this) && !t.IsDisposed)
                {
                    n++;
                }
            }
            return n;
        }
    }

    /// <summary>Hands <paramref name="tensor"/> to the current scope; false when there is none (the caller then owns it).</summary>
    internal static bool Register(Tensor tensor)
    {
        var scope = _current;
        if (scope is null)
        {
            return false;
        }
        tensor.OwningScope = scope;
        scope._tensors.Add(tensor);
        return true;
    }

    /// <summary>Hands <paramref name="tensor"/> to the enclosing scope (or to no scope at all); returns it.</summary>
    public T MoveToOuter<T>(T tensor) where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(tensor.OwningScope, this))
        {
            throw new InvalidOperationException("the tensor does not belong to this scope");
        }
        tensor.OwningScope = _outer;
        if (_outer is null)
        {
            tensor.EnsureFinalizer();
        }
        else
        {
            _outer._tensors.Add(tensor);
        }
        return tensor;
    }

    /// <summary>Takes <paramref name="tensor"/> out of this scope for good: it is never disposed by a scope.</summary>
    public void Detach(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(tensor.OwningScope, this))
        {
            tensor.OwningScope = null;
            tensor.EnsureFinalizer();
        }
    }

    /// <summary>
    /// Safety net for a scope that was never disposed (and became unreachable, e.g. its thread ended): the tensors
    /// it still owns may be referenced elsewhere, so they are not freed here but given their own finalizer, which
    /// frees each one once it is unreachable too.
    /// </summary>
    ~TensorScope()
    {
        if (_disposed)
        {
            return;
        }
        foreach (var t in _tensors)
        {
            if (ReferenceEquals(t.OwningScope, this))
            {
                t.OwningScope = null;
                t.EnsureFinalizer();
            }
        }
    }

    /// <summary>Disposes the scope's tensors and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        GC.SuppressFinalize(this);
        if (ReferenceEquals(_current, this))
        {
            _current = _outer;
        }
        foreach (var t in _tensors)
        {
            if (ReferenceEquals(t.OwningScope, this))
            {
                t.OwningScope = null;
                t.Dispose();
            }
        }
        _tensors.Clear();
    }
}
