using ToolRL.Distributed;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using static ToolRL.Torch.torch;

namespace ToolRL.Training;

public abstract partial class RlTrainer
{
    private string? _scratchDirectory;
    private GradientAccumulator? _accumulator;

    /// <summary>True on the process that writes metrics, checkpoints and the report: the only one, or rank 0.</summary>
    private bool IsWriter => Setup.Group is not { Rank: > 0 };

    /// <summary>
    /// The policy that samples rollouts and validation: with <see cref="RlTrainerSetup.Group"/>, a
    /// <see cref="DataParallelPolicy"/> that splits the prompts over the ranks.
    /// </summary>
    private IPolicyModel Sampler => _sampler ??= Setup.Group is { } group ? new DataParallelPolicy(Setup.Policy, group) : Setup.Policy;

    private IPolicyModel? _sampler;

    /// <summary>Where this process keeps its metrics files: the output folder on the writer, a private scratch folder elsewhere.</summary>
    private string MetricsDirectory => IsWriter ? Setup.OutputDir : _scratchDirectory ??= Directory.CreateTempSubdirectory("toolrl-rank-").FullName;

    /// <summary>Every rank starts the RL phase from rank 0's weights (a warm start computed on each rank may differ in the last bit).</summary>
    private void BroadcastInitialWeights()
    {
        if (Setup.Group is not { WorldSize: > 1 } group)
        {
            return;
        }
        using var noGrad = NoGrad();
        foreach (var parameter in Setup.Policy.Module.Parameters())
        {
            group.Broadcast(parameter, root: 0);
        }
    }

    /// <summary>This rank's micro-batches of a mini-batch (round robin; all of them without a group).</summary>
    private IEnumerable<int[]> LocalShare(IReadOnlyList<int[]> microBatches) => Setup.Group is { } group
        ? microBatches.Where((_, k) => k % group.WorldSize == group.Rank)
        : microBatches;

    /// <summary>After a micro-batch's backward: data-parallel runs move the gradients into the exact float64 sum.</summary>
    private void AccumulateGradients()
    {
        if (Setup.Group is not null)
        {
            (_accumulator ??= new GradientAccumulator(_actor.Parameters)).Accumulate();
        }
    }

    /// <summary>Before an optimizer step: data-parallel runs sum the ranks' gradients (<see cref="GradientAccumulator"/>).</summary>
    private void AllReduceGradients()
    {
        if (Setup.Group is { } group)
        {
            (_accumulator ??= new GradientAccumulator(_actor.Parameters)).AllReduce(group);
        }
    }

    /// <summary>Sums per-rank partial sums (losses, token counts) over the ranks, in place.</summary>
    private void SumOverRanks(double[] values)
    {
        if (Setup.Group is not { WorldSize: > 1 } group)
        {
            return;
        }
        using var scope = NewScope();
        var t = FromArray(values);
        group.AllReduce(t);
        t.ToArray<double>().CopyTo(values, 0);
    }

    private void DisposeDataParallel()
    {
        _accumulator?.Dispose();
        if (_scratchDirectory is { } dir && Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
