using System.Text.Json.Nodes;
using ToolRL.Algorithms;

namespace ToolRL.Configuration;

/// <summary>
/// Controller of the KL-in-reward coefficient (<c>kl_ctrl</c> section), verl's <c>algorithm.kl_ctrl</c>:
/// fixed, or adaptive (Ziegler et al. 2019): β ← β·(1 + clip(KL/target − 1, ±0.2)·n/horizon), KL as <c>kl_agg_mode</c> aggregates it.
/// </summary>
public sealed record KlControllerConfig
{
    /// <summary><c>type</c>: fixed (default) or adaptive.</summary>
    public KlControllerType Type { get; init; } = KlControllerType.Fixed;

    /// <summary><c>target_kl</c>: KL the adaptive controller steers to (default 0.1, verl; StepTool uses 6).</summary>
    public double TargetKl { get; init; } = 0.1;

    /// <summary><c>horizon</c>: adaptive controller time constant in samples (default 10000).</summary>
    public int Horizon { get; init; } = 10000;

    /// <summary>
    /// <c>kl_agg_mode</c>: the batch KL the adaptive controller steers to the target: <c>seq-mean-token-mean</c>
    /// (default, verl: per-sequence token means) or <c>seq-mean-token-sum</c> (trl 0.10.1 and StepTool: per-sequence sums).
    /// </summary>
    public KlAggregation KlAggMode { get; init; } = KlAggregation.SeqMeanTokenMean;

    internal static KlControllerConfig Read(JsonSection s, out double? initKlCoef)
    {
        var d = new KlControllerConfig();
        initKlCoef = s.OptionalDouble("init_kl_coef", v => v >= 0 && double.IsFinite(v), "must be ≥ 0", "set init_kl_coef (or the top-level kl_coef) to e.g. 0.001");
        var config = new KlControllerConfig
        {
            Type = s.Enum("type", d.Type, ConfigEnumNames.KlCtrl, "set kl_ctrl.type to \"fixed\" or \"adaptive\""),
            TargetKl = ReadTarget(s, d.TargetKl),
            Horizon = s.Int("horizon", d.Horizon, 1, "must be at least 1", "set horizon to e.g. 10000"),
            KlAggMode = s.Enum("kl_agg_mode", d.KlAggMode, ConfigEnumNames.KlAgg,
                "set kl_ctrl.kl_agg_mode to \"seq-mean-token-mean\" (verl) or \"seq-mean-token-sum\" (trl, StepTool)"),
        };
        s.RejectUnknownKeys();
        return config;
    }

    // StepTool's config (TRL's old PPOConfig) calls the target "target": accept it as an alias of target_kl.
    private static double ReadTarget(JsonSection s, double fallback)
    {
        static bool Valid(double v) => v > 0 && double.IsFinite(v);
        const string Fix = "set target_kl to e.g. 0.1 (StepTool: 6)";
        if (s.Has("target") && s.Has("target_kl"))
        {
            s.Error("target", "both target and its alias target_kl are given", "keep only target_kl");
        }
        return s.Has("target") ? s.Double("target", fallback, Valid, "must be > 0", Fix) : s.Double("target_kl", fallback, Valid, "must be > 0", Fix);
    }

    internal JsonObject ToJson(double initKlCoef) => new()
    {
        ["type"] = ConfigEnumNames.KlCtrl.Name(Type),
        ["init_kl_coef"] = initKlCoef,
        ["target_kl"] = TargetKl,
        ["horizon"] = Horizon,
        ["kl_agg_mode"] = ConfigEnumNames.KlAgg.Name(KlAggMode),
    };
}
