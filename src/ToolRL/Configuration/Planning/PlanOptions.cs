namespace ToolRL.Configuration.Planning;

/// <summary>What the planner cannot read from the configuration alone.</summary>
public sealed record PlanOptions
{
    /// <summary>Use this model folder instead of <c>model.base_model</c> (e.g. where the user downloaded it).</summary>
    public string? BaseModel { get; init; }

    /// <summary>Training rows, when the data files are not at hand (otherwise they are counted).</summary>
    public long? TrainRows { get; init; }

    /// <summary>Devices the run is spread over (weights, gradients and optimizer state fully sharded, FSDP/ZeRO-3 style; default 1).</summary>
    public int Devices { get; init; } = 1;

    /// <summary>Sequences generated concurrently per device (default: the step's responses divided over the devices).</summary>
    public int? GenerationBatch { get; init; }
}
