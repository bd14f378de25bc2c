using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch;

/// <summary>
/// A seeded random number generator for one device (libtorch's Philox/MT engines): passing the same seeded
/// generator to <see cref="torch.Randn"/>, <see cref="torch.Multinomial"/>, … reproduces the same draws
/// (identical to <c>torch.Generator().manual_seed(seed)</c> on CPU).
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr _handle;

    /// <summary>Creates a generator on <paramref name="device"/> (CPU by default) seeded with <paramref name="seed"/>.</summary>
    public Generator(long seed, Device? device = null)
    {
        var d = device ?? Device.Cpu;
        _handle = Check(trl_generator_new(seed, (int)d.Type, d.Index));
        Device = d;
    }

    /// <summary>Releases the native generator if it was never disposed.</summary>
    ~Generator() => Free();

    /// <summary>The device whose draws this generator drives.</summary>
    public Device Device { get; }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>The seed it was last seeded with; setting it re-seeds (restarting the sequence).</summary>
    public long Seed
    {
        get
        {
            var s = trl_generator_seed(Handle);
            GC.KeepAlive(this);
            return s;
        }
        set
        {
            Check(trl_generator_set_seed(Handle, value));
            GC.KeepAlive(this);
        }
    }

    /// <summary>The full engine state (to checkpoint and later <see cref="SetState"/>).</summary>
    public byte[] GetState()
    {
        using var state = new Tensor(Check(trl_generator_get_state(Handle)), scoped: false);
        GC.KeepAlive(this);
        return state.ToArray<byte>();
    }

    /// <summary>Restores a state captured by <see cref="GetState"/>.</summary>
    public void SetState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var t = torch.FromArrayUnscoped(state, [state.Length]);
        Check(trl_generator_set_state(Handle, t.Handle));
        GC.KeepAlive(this);
    }

    /// <summary>Releases the native generator.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            trl_generator_free(h);
        }
    }
}
