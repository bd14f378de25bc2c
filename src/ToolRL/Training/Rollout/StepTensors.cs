using ToolRL.Torch;
using static ToolRL.Torch.torch;

namespace ToolRL.Training.Rollout;

/// <summary>Builds whole-step <c>[N, R_max]</c> float32 tensors from per-response rows of different lengths (zero-padded).</summary>
internal static class StepTensors
{
    /// <summary>Pads <paramref name="rows"/> to <paramref name="width"/> columns.</summary>
    public static Tensor FromRows(IReadOnlyList<IReadOnlyList<float>> rows, int width)
    {
        var data = new float[rows.Count * width];
        for (var i = 0; i < rows.Count; i++)
        {
            for (var t = 0; t < rows[i].Count; t++)
            {
                data[i * width + t] = rows[i][t];
            }
        }
        return FromArray(data, rows.Count, width);
    }

    /// <summary>The response mask of responses with the given lengths: 1 on the first <c>length</c> columns.</summary>
    public static Tensor Mask(IReadOnlyList<int> lengths, int width)
    {
        var data = new float[lengths.Count * width];
        for (var i = 0; i < lengths.Count; i++)
        {
            data.AsSpan(i * width, lengths[i]).Fill(1f);
        }
        return FromArray(data, lengths.Count, width);
    }

    /// <summary>
    /// The loss mask of <paramref name="trajectories"/>: 1 where a trajectory's <see cref="Trajectory.LossMask"/> is
    /// true (every response token when it has none), 0 elsewhere and on padding.
    /// </summary>
    public static Tensor LossMask(IReadOnlyList<Trajectory> trajectories, int width)
    {
        var data = new float[trajectories.Count * width];
        for (var i = 0; i < trajectories.Count; i++)
        {
            FillMask(data.AsSpan(i * width, width), trajectories[i].ResponseIds.Length, trajectories[i].LossMask);
        }
        return FromArray(data, trajectories.Count, width);
    }

    /// <summary>Writes one row of a loss mask: the first <paramref name="length"/> entries from <paramref name="mask"/> (all ones when null).</summary>
    internal static void FillMask(Span<float> row, int length, IReadOnlyList<bool>? mask)
    {
        for (var t = 0; t < length; t++)
        {
            row[t] = mask is null || mask[t] ? 1f : 0f;
        }
    }

    /// <summary>Reads a <c>[N, R]</c> tensor into one array per row, cut to each row's length.</summary>
    public static float[][] ToRows(Tensor tensor, IReadOnlyList<int> lengths)
    {
        var width = (int)tensor.Size(1);
        var flat = tensor.Detach().To(DType.Float32).Contiguous().ToArray<float>();
        return lengths.Select((length, i) => flat.AsSpan(i * width, length).ToArray()).ToArray();
    }
}
