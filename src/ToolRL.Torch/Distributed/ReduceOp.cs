namespace ToolRL.Torch.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce"/> and <see cref="ProcessGroup.ReduceScatter"/> combine the ranks' values (element-wise).</summary>
/// <remarks>There is no average: gloo has none; divide a <see cref="Sum"/> by <see cref="ProcessGroup.WorldSize"/>.</remarks>
public enum ReduceOp
{
    /// <summary>The sum over ranks.</summary>
    Sum = 0,

    /// <summary>The product over ranks.</summary>
    Product = 1,

    /// <summary>The minimum over ranks.</summary>
    Min = 2,

    /// <summary>The maximum over ranks.</summary>
    Max = 3,
}
