namespace ToolRL.Torch.NN;

/// <summary>
/// Base of neural-network modules: an ordered tree of named parameters, buffers and child modules whose
/// dotted paths are the Hugging Face state-dict keys (<c>model.layers.0.self_attn.q_proj.weight</c>).
/// Subclasses create their tensors in the constructor and register them. Disposing a module disposes its
/// parameters, buffers and children.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Parameter Param)> _parameters = [];
    private readonly List<(string Name, Tensor Buffer, bool Persistent)> _buffers = [];
    private readonly List<(string Name, Module Child)> _children = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Whether the module is in training mode (see <see cref="Train"/>).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter under <paramref name="name"/> (no dots).</summary>
    protected void RegisterParameter(string name, Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        Claim(name);
        _parameters.Add((name, parameter));
    }

    /// <summary>Registers a child module under <paramref name="name"/> (its keys become <c>name.…</c>).</summary>
    protected internal void RegisterModule(string name, Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        Claim(name);
        _children.Add((name, module));
    }

    /// <summary>
    /// Registers a non-trainable tensor (e.g. rotary inverse frequencies); the module takes ownership. Persistent
    /// buffers are part of the state dict.
    /// </summary>
    protected void RegisterBuffer(string name, Tensor tensor, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Claim(name);
        tensor.DetachFromScope();
        _buffers.Add((name, tensor, persistent));
    }

    private void Claim(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
        {
            throw new ArgumentException($"member name '{name}' must be non-empty and contain no '.'", nameof(name));
        }
        if (!_names.Add(name))
        {
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}", nameof(name));
        }
    }

    /// <summary>Parameters with their dotted names, depth-first in registration order.</summary>
    public IEnumerable<(string Name, Parameter Param)> NamedParameters()
    {
        foreach (var (name, p) in _parameters)
        {
            yield return (name, p);
        }
        foreach (var (childName, child) in _children)
        {
            foreach (var (name, p) in child.NamedParameters())
            {
                yield return (childName + "." + name, p);
            }
        }
    }

    /// <summary>Every parameter of the tree.</summary>
    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(np => np.Param);

    /// <summary>Parameters that currently require gradients (what an optimiser should update).</summary>
    public IEnumerable<Parameter> TrainableParameters() => Parameters().Where(p => p.RequiresGrad);

    /// <summary>Buffers with their dotted names (persistent and not).</summary>
    public IEnumerable<(string Name, Tensor Buffer, bool Persistent)> NamedBuffers()
    {
        foreach (var b in _buffers)
        {
            yield return b;
        }
        foreach (var (childName, child) in _children)
        {
            foreach (var (name, t, persistent) in child.NamedBuffers())
            {
                yield return (childName + "." + name, t, persistent);
            }
        }
    }

    /// <summary>Direct children with their names.</summary>
    public IEnumerable<(string Name, Module Child)> NamedChildren() => _children;

    /// <summary>
    /// Parameters and persistent buffers by dotted name. The values are the module's own tensors (not copies):
    /// read or save them, do not dispose them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var sd = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in NamedParameters())
        {
            sd[name] = p;
        }
        foreach (var (name, b, persistent) in NamedBuffers())
        {
            if (persistent)
            {
                sd[name] = b;
            }
        }
        return sd;
    }

    /// <summary>
    /// Copies values from <paramref name="stateDict"/> into the module's tensors (converting dtype/device as
    /// needed). With <paramref name="strict"/>, missing and unexpected keys are an error listing them all; a
    /// shape mismatch is always an error naming the key and both shapes.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = StateDict();
        if (strict)
        {
            var missing = own.Keys.Where(k => !stateDict.ContainsKey(k)).ToList();
            var unexpected = stateDict.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
            {
                throw new ArgumentException(
                    $"state dict does not match {GetType().Name}: " +
                    (missing.Count > 0 ? $"missing keys [{string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? ", …" : "")}] " : "") +
                    (unexpected.Count > 0 ? $"unexpected keys [{string.Join(", ", unexpected.Take(20))}{(unexpected.Count > 20 ? ", …" : "")}]" : ""),
                    nameof(stateDict));
            }
        }
        using var noGrad = torch.NoGrad();
        foreach (var (key, target) in own)
        {
            if (!stateDict.TryGetValue(key, out var source))
            {
                continue;
            }
            var want = target.Shape;
            var have = source.Shape;
            if (!want.AsSpan().SequenceEqual(have))
            {
                throw new ArgumentException(
                    $"state dict entry '{key}' has shape [{string.Join(", ", have)}] but the module expects [{string.Join(", ", want)}]",
                    nameof(stateDict));
            }
            target.CopyFrom(source);
        }
    }

    /// <summary>Sets training (true) or evaluation (false) mode on the whole tree.</summary>
    public virtual void Train(bool on = true)
    {
        Training = on;
        foreach (var (_, child) in _children)
        {
            child.Train(on);
        }
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public void Eval() => Train(false);

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.ZeroGrad();
        }
    }

    /// <summary>Stops gradients for every parameter (e.g. a frozen reference model).</summary>
    public void Freeze()
    {
        foreach (var p in Parameters())
        {
            p.RequiresGrad = false;
        }
    }

    /// <summary>Re-enables gradients for every floating-point parameter.</summary>
    public void Unfreeze()
    {
        foreach (var p in Parameters())
        {
            if (p.DType.IsFloatingPoint())
            {
                p.RequiresGrad = true;
            }
        }
    }

    /// <summary>Moves every parameter and buffer to <paramref name="device"/> in place.</summary>
    public void To(Device device) => Convert(t => t.To(device), onlyFloating: false);

    /// <summary>Converts every floating-point parameter and buffer to <paramref name="dtype"/> in place.</summary>
    public void To(DType dtype) => Convert(t => t.To(dtype), onlyFloating: true);

    private void Convert(Func<Tensor, Tensor> convert, bool onlyFloating)
    {
        using var scope = torch.NewScope();
        using var noGrad = torch.NoGrad();
        foreach (var p in Parameters())
        {
            if (!onlyFloating || p.DType.IsFloatingPoint())
            {
                p.SetData(convert(p));
            }
        }
        foreach (var (_, b, _) in NamedBuffers())
        {
            if (!onlyFloating || b.DType.IsFloatingPoint())
            {
                var converted = convert(b);
                ReplaceBuffer(b, converted);
            }
        }
    }

    private static void ReplaceBuffer(Tensor buffer, Tensor converted)
    {
        Native.NativeMethods.Check(Native.NativeMethods.trl_tensor_set_data(buffer.Handle, converted.Handle));
        GC.KeepAlive(buffer);
        GC.KeepAlive(converted);
    }

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount() => Parameters().Sum(p => p.NumEl);

    /// <summary>Disposes the parameters, buffers and children.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the native tensors of this module and its children.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }
        _disposed = true;
        foreach (var (_, p) in _parameters)
        {
            p.Dispose();
        }
        foreach (var (_, b, _) in _buffers)
        {
            b.Dispose();
        }
        foreach (var (_, child) in _children)
        {
            child.Dispose();
        }
    }
}
