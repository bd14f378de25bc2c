using ToolRL.Torch.NN;
using static ToolRL.Torch.Native.NativeMethods;

namespace ToolRL.Torch.Distributed;

/// <summary>
/// Sums the gradients of data-parallel ranks, as torch's DistributedDataParallel does, with the result independent of
/// the world size: a hook on every parameter adds its gradient, as the backward produces it, into float64 buckets of
/// about <see cref="DefaultBucketBytes"/> (DDP's <c>bucket_cap_mb</c>). During the backward of a rank's last
/// micro-batch before an optimizer step (<see cref="Prepare"/> with <c>lastMicroBatch</c>), each bucket whose
/// parameters have all reported starts its all-reduce at once, while the backward goes on with the earlier layers
/// (<see cref="Overlap"/>). <see cref="Finish"/> waits and sets every parameter's gradient to the sum over the ranks.
/// </summary>
/// <remarks>
/// Why float64: a float32 sum depends on its order ((g1+g2)+(g3+g4) on 2 ranks vs ((g1+g2)+g3)+g4 on 1), and AdamW's
/// first steps turn even a last-bit difference of a near-cancelling gradient into a full-size update. A few float32
/// addends sum exactly in float64, so 1 rank and N ranks round the same exact sum to the same float32 gradient.
/// Summing (not averaging) is right because the trainers normalise the loss over the global mini-batch.
/// The hooks are <c>Tensor::register_hook</c>'s (libtorch 1.13 and 2.x); every rank must create its reducer over the
/// same parameters in the same order, and call <see cref="Finish"/> once per optimizer step, even with no micro-batch.
/// </remarks>
public sealed class GradientReducer : IDisposable
{
    /// <summary>The bucket size in bytes of the float64 buffers (25 MiB, as torch's DistributedDataParallel).</summary>
    public const long DefaultBucketBytes = 25L << 20;

    private readonly ProcessGroup _group;
    private readonly Parameter[] _parameters;
    private IntPtr _handle;

    /// <summary>Hooks <paramref name="parameters"/> (which must require gradients) and allocates the zeroed buckets.</summary>
    /// <param name="group">The ranks whose gradients are summed.</param>
    /// <param name="parameters">The trained parameters, in the same order on every rank.</param>
    /// <param name="overlap">Start each bucket's all-reduce during the backward (true) or all of them in <see cref="Finish"/>.</param>
    /// <param name="bucketBytes">The float64 bytes after which a bucket is closed.</param>
    public unsafe GradientReducer(ProcessGroup group, IReadOnlyList<Parameter> parameters, bool overlap = true, long bucketBytes = DefaultBucketBytes)
    {
        _group = group ?? throw new ArgumentNullException(nameof(group));
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketBytes, 1);
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0)
        {
            throw new ArgumentException("a gradient reducer needs at least one parameter", nameof(parameters));
        }
        Overlap = overlap;
        var handles = Tensor.Handles(_parameters);
        fixed (IntPtr* h = handles)
        {
            _handle = _group.CheckHandle(trl_dist_reducer_new(_group.Handle, h, handles.Length, bucketBytes, overlap ? 1 : 0));
        }
        GC.KeepAlive(_parameters);
        BucketCount = trl_dist_reducer_buckets(_handle);
    }

    /// <summary>Releases the hooks and buckets if the reducer was never disposed.</summary>
    ~GradientReducer() => Free();

    /// <summary>Whether the all-reduces start during the last backward (or only in <see cref="Finish"/>).</summary>
    public bool Overlap { get; }

    /// <summary>The number of buckets (all-reduce calls per optimizer step).</summary>
    public int BucketCount { get; }

    /// <summary>Call before each micro-batch's backward; <paramref name="lastMicroBatch"/> on this rank's last one of the step.</summary>
    public void Prepare(bool lastMicroBatch) => _group.CheckStatus(trl_dist_reducer_prepare(Handle, lastMicroBatch ? 1 : 0));

    /// <summary>
    /// Before the optimizer step: starts the buckets not yet started, waits for every all-reduce, sets each parameter's
    /// gradient to its sum over the ranks (in the parameter's dtype) and zeroes the buckets for the next step.
    /// </summary>
    public void Finish() => _group.CheckStatus(trl_dist_reducer_finish(Handle));

    /// <summary>Drops what the buckets hold (gradients zeroed between optimizer steps).</summary>
    public void Zero() => _group.CheckStatus(trl_dist_reducer_zero(Handle));

    /// <summary>Removes the hooks and frees the buckets.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(GradientReducer));

    private void Free()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero)
        {
            trl_dist_reducer_free(h);
        }
    }
}
