using ToolRL.Distributed;
using ToolRL.Torch;
using ToolRL.Training.Rollout;
using static ToolRL.Torch.torch;

namespace ToolRL.Training;

public abstract partial class RlTrainer
{
    private string? _scratchDirectory;

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

    /// <summary>Every rank starts the RL phase from rank 0's weights (e.g. a resumed checkpoint read on rank 0's machine).</summary>
    private void BroadcastInitialWeights() => WeightSync.FromRankZero(Setup.Group, Setup.Policy.Module);

    /// <summary>
    /// A per-token pass over the whole step without gradients (log-probs, values) as a <c>[N, R_max]</c> tensor: the
    /// trajectories in micro-batches of <c>ppo_micro_batch_size</c>, each rank running its share (round robin) and the
    /// rows summed over the ranks (every row comes from one rank, zeros elsewhere: the sum is exact). The micro-batches
    /// are the same at any world size, so the rows are the 1-rank pass's.
    /// </summary>
    private protected Tensor GatherRows(StepData data, Func<MicroBatch, Tensor> pass)
    {
        var micros = Enumerable.Range(0, data.Trajectories.Count).Chunk(Config.PpoMicroBatchSize).ToArray();
        var rows = new IReadOnlyList<float>[data.Trajectories.Count];
        Array.Fill(rows, []);
        foreach (var k in RankShare.RoundRobin(micros.Length, Setup.Group))
        {
            using var scope = NewScope();
            var batch = data.BuildMicroBatch(micros[k], Setup.Prompts.PadTokenId);
            var perRow = StepTensors.ToRows(pass(batch), batch.ResponseLengths);
            for (var j = 0; j < micros[k].Length; j++)
            {
                rows[micros[k][j]] = perRow[j];
            }
        }
        var result = StepTensors.FromRows(rows, data.Width);
        Setup.Group?.AllReduce(result);
        return result;
    }

    private void DisposeDataParallel()
    {
        if (_scratchDirectory is { } dir && Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
