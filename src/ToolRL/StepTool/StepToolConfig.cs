using System.Text.Json.Nodes;
using ToolRL.Configuration;

namespace ToolRL.StepTool;

/// <summary>Where StepTool's step rewards come from.</summary>
public enum StepToolMode
{
    /// <summary>As published: PPO on fixed, pre-scored trajectories read from StepTool files (or generated from the environment).</summary>
    Offline,

    /// <summary>Step rewards computed during multi-turn rollouts of the configured environment, added to its outcome reward.</summary>
    Online,
}

/// <summary>
/// The <c>steptool</c> section (docs/steptool.md): step-grained rewards. <c>offline</c> replays StepTool-format files
/// (<c>train_files</c>; without files, a file generated from the <c>environment</c>'s training tasks) and trains on
/// every step with the scores placed per <c>step_weighting</c>; <c>online</c> scores each tool call of the
/// environment's rollouts with the rule-based annotator and adds <c>step_reward_weight</c> × the score on the turn's
/// last generated token.
/// </summary>
public sealed record StepToolConfig
{
    /// <summary><c>mode</c>: <c>offline</c> (default) or <c>online</c>.</summary>
    public StepToolMode Mode { get; init; } = StepToolMode.Offline;

    /// <summary><c>train_files</c>: StepTool step-grained files (offline); empty = generate from the environment.</summary>
    public IReadOnlyList<string> TrainFiles { get; init; } = [];

    /// <summary><c>variants</c>: generated trajectories per task (1–4: gold, failed call, repeated call, wrong answer; default 4).</summary>
    public int Variants { get; init; } = 4;

    /// <summary><c>max_context_len</c>: the query's left-truncation length (StepTool default 4096).</summary>
    public int MaxContextLen { get; init; } = StepToolEncoding.DefaultMaxContextLength;

    /// <summary><c>max_response_len</c>: the last step's right-truncation length (StepTool default 1200).</summary>
    public int MaxResponseLen { get; init; } = StepToolEncoding.DefaultMaxResponseLength;

    /// <summary><c>step_weighting</c>: <c>reference</c> (StepTool's T − 1 − i, default) or <c>last_token</c>.</summary>
    public StepWeighting StepWeighting { get; init; } = StepWeighting.Reference;

    /// <summary><c>step_reward_weight</c>: online, the weight of each tool call's step score (default 0.5).</summary>
    public double StepRewardWeight { get; init; } = 0.5;

    /// <summary><c>contribution_threshold</c>: the annotator's LCS ratio for Contribution (StepTool: 0.3).</summary>
    public double ContributionThreshold { get; init; } = RuleBasedStepAnnotator.DefaultContributionThreshold;

    private static readonly EnumNames<StepToolMode> ModeNames = new((StepToolMode.Offline, ["offline"]), (StepToolMode.Online, ["online"]));

    private static readonly EnumNames<StepWeighting> WeightingNames = new((StepWeighting.Reference, ["reference"]), (StepWeighting.LastToken, ["last_token"]));

    internal static StepToolConfig Read(JsonSection s)
    {
        var d = new StepToolConfig();
        var config = new StepToolConfig
        {
            Mode = s.Enum("mode", d.Mode, ModeNames, "set steptool.mode to \"offline\" or \"online\""),
            TrainFiles = s.StringList("train_files", "give a path or a list of paths to StepTool step-grained files (tab-separated prompt/response/reward)"),
            Variants = s.Int("variants", d.Variants, 1, "must be at least 1", "set steptool.variants to 1–4"),
            MaxContextLen = s.Int("max_context_len", d.MaxContextLen, 1, "must be at least 1", "set steptool.max_context_len to e.g. 4096"),
            MaxResponseLen = s.Int("max_response_len", d.MaxResponseLen, 1, "must be at least 1", "set steptool.max_response_len to e.g. 1200"),
            StepWeighting = s.Enum("step_weighting", d.StepWeighting, WeightingNames, "set steptool.step_weighting to \"reference\" or \"last_token\""),
            StepRewardWeight = s.Double("step_reward_weight", d.StepRewardWeight, v => v >= 0 && double.IsFinite(v), "must be ≥ 0", "set steptool.step_reward_weight to e.g. 0.5"),
            ContributionThreshold = s.Double("contribution_threshold", d.ContributionThreshold, v => v > 0 && v <= 1, "must be in (0, 1]", "set steptool.contribution_threshold to e.g. 0.3"),
        };
        if (config.Variants > StepToolGenerator.Variants.Count)
        {
            s.Error("variants", $"{config.Variants} is more than the {StepToolGenerator.Variants.Count} variants ({string.Join(", ", StepToolGenerator.Variants)})", "set steptool.variants to 1–4");
        }
        if (config.Mode == StepToolMode.Online && config.TrainFiles.Count > 0)
        {
            s.Error("train_files", "online mode samples its own trajectories and reads no files", "remove steptool.train_files or set steptool.mode to \"offline\"");
        }
        s.RejectUnknownKeys();
        return config;
    }

    /// <summary>The rules that involve other sections (run by the configuration's cross-field checks).</summary>
    internal void Check(TrainingConfig c, Action<string, object?, string, string> error)
    {
        if (Mode == StepToolMode.Online && c.Environment is null)
        {
            error("$.steptool.mode", "online", "online step rewards are computed in an environment's rollouts", "add an \"environment\" section or set steptool.mode to \"offline\"");
        }
        if (Mode == StepToolMode.Offline && TrainFiles.Count == 0 && c.Environment is null)
        {
            error("$.steptool.train_files", null, "no StepTool data: neither files nor an environment to generate them from",
                "add \"train_files\": [\"data/steptool/qwen2/step_grained_for_ppo.csv\"] or an \"environment\" section");
        }
        if (Mode == StepToolMode.Offline && c.N != 1)
        {
            error("$.n", c.N, "offline StepTool replays each fixed trajectory once per step", "set n to 1");
        }
        if (Mode == StepToolMode.Offline && c.Model.Tiny is { } tiny && MaxContextLen + MaxResponseLen > tiny.MaxPositionEmbeddings)
        {
            error("$.steptool.max_context_len", MaxContextLen, $"max_context_len + max_response_len = {MaxContextLen + MaxResponseLen} is longer than model.tiny.max_position_embeddings {tiny.MaxPositionEmbeddings}",
                "lower steptool.max_context_len/max_response_len or raise max_position_embeddings");
        }
    }

    internal JsonObject ToJson() => new()
    {
        ["mode"] = ModeNames.Name(Mode),
        ["train_files"] = new JsonArray([.. TrainFiles.Select(f => (JsonNode?)f)]),
        ["variants"] = Variants,
        ["max_context_len"] = MaxContextLen,
        ["max_response_len"] = MaxResponseLen,
        ["step_weighting"] = WeightingNames.Name(StepWeighting),
        ["step_reward_weight"] = StepRewardWeight,
        ["contribution_threshold"] = ContributionThreshold,
    };
}
