using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;
using static ToolRL.Torch.torch;

namespace ToolRL.Distributed;

/// <summary>Keeps the ranks in step where only rank 0 knows something: its weights, its decisions.</summary>
internal static class WeightSync
{
    /// <summary>Every rank's <paramref name="module"/> takes rank 0's parameter values (nothing without a group of 2+ ranks).</summary>
    public static void FromRankZero(ProcessGroup? group, Module module)
    {
        if (group is not { WorldSize: > 1 })
        {
            return;
        }
        using var noGrad = NoGrad();
        foreach (var parameter in module.Parameters())
        {
            group.Broadcast(parameter, root: 0);
        }
    }

    /// <summary>Rank 0's <paramref name="value"/> on every rank (a collective), e.g. whether a finished stage is reused.</summary>
    public static bool FromRankZero(ProcessGroup? group, bool value)
    {
        if (group is not { WorldSize: > 1 })
        {
            return value;
        }
        using var scope = NewScope();
        var flag = FromArray([value ? 1L : 0L]);
        group.Broadcast(flag, root: 0);
        return flag.ToArray<long>()[0] != 0;
    }
}
