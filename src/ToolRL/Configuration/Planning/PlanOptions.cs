namespace ToolRL.Configuration.Planning;

/// <summary>What the planner cannot read from the configuration alone.</summary>
public sealed record PlanOptions
{
    /// <summary>Use this model folder instead of <c>model.base_model</c> (e.g. where the user downloaded it).</summary>
    public string? BaseModel { get; init; }

    /// <summary>Training rows, when the data files are not at hand (otherwise they are counted).</summary>
    public long? TrainRows { get; init; }

    /// <summary>Data-parallel devices, as <c>toolrl train --nproc-per-node</c> runs them: state replicated on each, plus a float64 gradient sum; the rollouts split (default 1).</summary>
    public int Devices { get; init; } = 1;

    /// <summary>With several devices: the actor's AdamW state sharded over them (ZeRO-1, <c>toolrl train --shard-optimizer</c>).</summary>
    public bool ShardOptimizer { get; init; }

    /// <summary>Sequences generated concurrently per device (default: the step's responses divided over the devices).</summary>
    public int? GenerationBatch { get; init; }
}
