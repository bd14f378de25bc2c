using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Distributed;

/// <summary>
/// Data-parallel gradient accumulation whose result does not depend on the world size. After each micro-batch's
/// backward, <see cref="Accumulate"/> adds the gradients into float64 buckets (and clears them); before the
/// optimizer step, <see cref="AllReduce"/> sums the buckets over the ranks (one all-reduce per bucket of about
/// <see cref="BucketBytes"/>, DDP's <c>bucket_cap_mb</c>) and hands the parameters the sum in their own dtype.
/// </summary>
/// <remarks>
/// Why float64: a float32 sum depends on its order ((g1+g2)+(g3+g4) on 2 ranks vs ((g1+g2)+g3)+g4 on 1), and AdamW's
/// first steps turn even a last-bit difference of a near-cancelling gradient into a full-size update. A few float32
/// addends sum exactly in float64, so 1 rank and N ranks round the same exact sum to the same float32 gradient.
/// Summing (not averaging) is right because the trainers normalise the loss over the global mini-batch.
/// </remarks>
public sealed class GradientAccumulator : IDisposable
{
    /// <summary>The bucket size in bytes of the float64 buffers (25 MiB, as torch's DistributedDataParallel).</summary>
    public const long BucketBytes = 25L << 20;

    private readonly Parameter[] _parameters;
    private readonly List<(int Start, int End, Tensor Sum)> _buckets = [];

    /// <summary>Buckets over <paramref name="parameters"/> (allocated here, zeroed).</summary>
    public GradientAccumulator(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        var start = 0;
        while (start < _parameters.Length)
        {
            var end = start;
            long elements = 0;
            do
            {
                elements += _parameters[end].NumEl;
                end++;
            }
            while (end < _parameters.Length && elements * sizeof(double) < BucketBytes);
            var sum = Zeros([elements], DType.Float64, _parameters[start].Device);
            _buckets.Add((start, end, sum.DetachFromScope()));
            start = end;
        }
    }

    /// <summary>The number of buckets (all-reduce calls per optimizer step).</summary>
    public int BucketCount => _buckets.Count;

    /// <summary>Adds the current gradients into the buckets and clears them (a parameter without one adds nothing).</summary>
    public void Accumulate()
    {
        using var scope = NewScope();
        using var noGrad = NoGrad();
        foreach (var (start, end, sum) in _buckets)
        {
            long offset = 0;
            for (var i = start; i < end; i++)
            {
                var p = _parameters[i];
                if (p.Grad is { } grad)
                {
                    sum.Narrow(0, offset, p.NumEl).AddInPlace(grad.Reshape(-1));
                    p.ZeroGrad();
                }
                offset += p.NumEl;
            }
        }
    }

    /// <summary>
    /// Sums the buckets over <paramref name="group"/> (or keeps them, without a group), sets every parameter's gradient
    /// to its total in the parameter's dtype, and zeroes the buckets for the next optimizer step.
    /// </summary>
    public void AllReduce(ProcessGroup? group)
    {
        using var scope = NewScope();
        using var noGrad = NoGrad();
        foreach (var (start, end, sum) in _buckets)
        {
            group?.AllReduce(sum);
            long offset = 0;
            for (var i = start; i < end; i++)
            {
                var p = _parameters[i];
                p.SetGrad(sum.Narrow(0, offset, p.NumEl).View(p.Shape).To(p.DType).Contiguous());
                offset += p.NumEl;
            }
            sum.ZeroInPlace();
        }
    }

    /// <summary>Releases the buckets.</summary>
    public void Dispose()
    {
        foreach (var (_, _, sum) in _buckets)
        {
            sum.Dispose();
        }
        _buckets.Clear();
    }
}
