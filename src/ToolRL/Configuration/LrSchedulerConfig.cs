using System.Text.Json.Nodes;

namespace ToolRL.Configuration;

/// <summary>
/// Learning-rate schedule (<c>lr_scheduler</c> section), stepped once per training step (verl). Warmup is linear
/// over <c>warmup_steps</c>, or <c>warmup_ratio</c> × total steps when warmup_steps is 0.
/// </summary>
public sealed record LrSchedulerConfig
{
    /// <summary><c>type</c>: constant (default, as ToolRL), linear or cosine.</summary>
    public LrSchedulerType Type { get; init; } = LrSchedulerType.Constant;

    /// <summary><c>warmup_steps</c> (default 0).</summary>
    public int WarmupSteps { get; init; }

    /// <summary><c>warmup_ratio</c> of the total steps, used when warmup_steps is 0 (default 0).</summary>
    public double WarmupRatio { get; init; }

    /// <summary><c>min_lr_ratio</c>: final lr / base lr for linear and cosine (default 0).</summary>
    public double MinLrRatio { get; init; }

    /// <summary>Warmup length for a run of <paramref name="totalSteps"/> steps.</summary>
    public int WarmupStepsFor(int totalSteps) => WarmupSteps > 0 ? WarmupSteps : (int)(WarmupRatio * totalSteps);

    internal static LrSchedulerConfig Read(JsonSection s)
    {
        var d = new LrSchedulerConfig();
        var config = new LrSchedulerConfig
        {
            Type = s.Enum("type", d.Type, ConfigEnumNames.LrScheduler, "set lr_scheduler.type to \"constant\", \"linear\" or \"cosine\""),
            WarmupSteps = s.Int("warmup_steps", d.WarmupSteps, 0, "must be ≥ 0", "set warmup_steps to 0 (none) or a step count"),
            WarmupRatio = s.Double("warmup_ratio", d.WarmupRatio, v => v >= 0 && v < 1, "must be in [0, 1)", "set warmup_ratio to e.g. 0.05"),
            MinLrRatio = s.Double("min_lr_ratio", d.MinLrRatio, v => v >= 0 && v <= 1, "must be in [0, 1]", "set min_lr_ratio to e.g. 0.0"),
        };
        if (config.WarmupSteps > 0 && config.WarmupRatio > 0)
        {
            s.Error("warmup_ratio", "both warmup_steps and warmup_ratio are set", "keep one of them (warmup_steps wins in verl, so state it explicitly)");
        }
        s.RejectUnknownKeys();
        return config;
    }

    internal JsonObject ToJson() => new()
    {
        ["type"] = ConfigEnumNames.LrScheduler.Name(Type),
        ["warmup_steps"] = WarmupSteps,
        ["warmup_ratio"] = WarmupRatio,
        ["min_lr_ratio"] = MinLrRatio,
    };
}
