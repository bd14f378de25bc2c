using ToolRL.Data;
using ToolRL.Torch.Distributed;

namespace ToolRL.Training.Rollout;

/// <summary>
/// The rollout stage of an RL step: turns a batch of prompts (or tasks) into scored trajectories. GRPO, PPO and
/// the other estimators run unchanged over any stage: <see cref="SingleTurnRollout"/> (one generated assistant
/// turn scored by the reward functions, the default), a multi-turn agent loop, or a user's own.
/// </summary>
/// <remarks>
/// The trainer calls the stage once per step with the policy in eval mode. The stage runs the policy without
/// gradients (wrap generation in <c>NoGrad()</c> on the thread that generates), samples <see cref="RolloutRequest.N"/>
/// trajectories per row with the same <see cref="Trajectory.GroupId"/>, and returns them with its own metrics
/// (e.g. <c>timing_s/gen</c>, <c>rewards/{function}/mean</c>, <c>agent/num_turns/mean</c>), which are logged as they are.
/// The same request must give the same trajectories (the seed is a function of the run's seed and the step), so a
/// resumed run repeats the uninterrupted one.
/// </remarks>
public interface IRolloutStage
{
    /// <summary>Samples and scores the trajectories of one step.</summary>
    Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken);
}

/// <summary>What a rollout stage is asked for in one step.</summary>
/// <param name="Policy">The policy to sample from (in eval mode).</param>
/// <param name="Rows">The step's prompts or tasks (a row's <c>ExtraInfo</c> can carry a task's id or environment settings).</param>
/// <param name="N">Trajectories per row.</param>
/// <param name="Sampling">Sampling settings (response length limit, temperature, top-p/k, stop tokens).</param>
/// <param name="Seed">The step's sampling seed.</param>
/// <param name="Step">The training step (1-based), for reward schedules.</param>
public sealed record RolloutRequest(IPolicyModel Policy, IReadOnlyList<RlRow> Rows, int N, SamplingSettings Sampling, long Seed, int Step)
{
    /// <summary>
    /// Data-parallel ranks, or null for one process. <see cref="Policy"/> then generates each rank's contiguous share
    /// of <see cref="Rows"/> (<see cref="Distributed.RankShare.Of(int, int, int)"/>) and returns every response on every rank; a stage
    /// may score only its rank's share and exchange the scores (<see cref="SingleTurnRollout"/> does), or score all.
    /// </summary>
    public ProcessGroup? Group { get; init; }
}

/// <summary>The trajectories of one step and the stage's own metrics.</summary>
/// <param name="Trajectories">The trajectories, any order; <see cref="Trajectory.GroupId"/> ties the samples of one row.</param>
public sealed record RolloutBatch(IReadOnlyList<Trajectory> Trajectories)
{
    /// <summary>Metrics the stage measured (logged under these names).</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
}
