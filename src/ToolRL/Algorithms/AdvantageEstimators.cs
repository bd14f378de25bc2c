using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>What an advantage estimator may read: the step's token-level rewards, mask and groups, and its settings.</summary>
/// <param name="TokenLevelRewards">Shape (B, T): the outcome on the last generated token, per-token rewards, minus β·KL when KL is in the reward.</param>
/// <param name="ResponseMask">Shape (B, T): 1 on generated tokens.</param>
/// <param name="GroupIds">Length B: responses sampled for the same prompt share an id.</param>
public sealed record AdvantageInput(Tensor TokenLevelRewards, Tensor ResponseMask, IReadOnlyList<long> GroupIds)
{
    /// <summary>Critic values (B, T) at rollout time; given only to estimators that need them.</summary>
    public Tensor? Values { get; init; }

    /// <summary>Discount γ (<c>gamma</c>).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE λ (<c>lam</c>).</summary>
    public double Lam { get; init; } = 1.0;

    /// <summary>Whiten GAE advantages (<c>normalize_advantages</c>).</summary>
    public bool NormalizeAdvantages { get; init; } = true;

    /// <summary>Divide GRPO advantages by the group std (<c>norm_adv_by_std_in_grpo</c>).</summary>
    public bool NormalizeByStd { get; init; } = true;

    /// <summary>ε added to the std (GRPO).</summary>
    public double Epsilon { get; init; } = GrpoAdvantage.DefaultEpsilon;
}

/// <summary>A pure function from the step's rewards to advantages and returns.</summary>
public delegate AdvantageResult AdvantageEstimatorFn(AdvantageInput input);

/// <summary>A registered advantage estimator.</summary>
/// <param name="Name">The config name (<c>adv_estimator</c>).</param>
/// <param name="NeedsValues">True when it reads critic values (a critic is trained: <c>algorithm: ppo</c>).</param>
/// <param name="Compute">The estimator.</param>
public sealed record AdvantageEstimator(string Name, bool NeedsValues, AdvantageEstimatorFn Compute);

/// <summary>
/// Advantage estimators by name, as verl's <c>register_adv_est</c> (core_algos.py): the config's
/// <c>adv_estimator</c> selects one, and a new estimator is a pure function plus one <see cref="Register"/> call.
/// Built in: <c>gae</c>, <c>gae_decaying</c> (trl 0.10.1 / StepTool), <c>turn_reward_to_go</c>, <c>grpo</c>, <c>dr_grpo</c>, <c>rloo</c>, <c>reinforce_plus_plus</c>,
/// <c>reinforce_plus_plus_baseline</c>. Names are unique; an unknown name lists the known ones.
/// </summary>
public sealed class AdvantageEstimators
{
#pragma warning disable CS1591 // The names are their own documentation.
    public const string Gae = "gae";
    public const string GaeDecaying = "gae_decaying";
    public const string TurnRewardToGo = "turn_reward_to_go";
    public const string Grpo = "grpo";
    public const string DrGrpo = "dr_grpo";
    public const string Rloo = "rloo";
    public const string ReinforcePlusPlus = "reinforce_plus_plus";
    public const string ReinforcePlusPlusBaseline = "reinforce_plus_plus_baseline";
#pragma warning restore CS1591

    private readonly NamedRegistry<AdvantageEstimator> _registry = new("adv_estimator", "AdvantageEstimators.Default.Register");

    /// <summary>The process-wide registry with the built-in estimators.</summary>
    public static AdvantageEstimators Default { get; } = CreateWithBuiltIns();

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _registry.Names;

    /// <summary>A new registry holding the built-in estimators.</summary>
    public static AdvantageEstimators CreateWithBuiltIns()
    {
        var registry = new AdvantageEstimators();
        registry.Register(Gae, i => Algorithms.Gae.Compute(i.TokenLevelRewards,
            i.Values ?? throw new ArgumentException("gae needs critic values", nameof(i)), i.ResponseMask, i.Gamma, i.Lam, i.NormalizeAdvantages), needsValues: true);
        registry.Register(GaeDecaying, i => DecayingGae.Compute(i.TokenLevelRewards,
            i.Values ?? throw new ArgumentException("gae_decaying needs critic values", nameof(i)), i.ResponseMask, i.Gamma, i.Lam, i.NormalizeAdvantages), needsValues: true);
        registry.Register(TurnRewardToGo, i => SameTwice(TurnLevelAdvantage.Compute(i.TokenLevelRewards, i.ResponseMask, i.GroupIds, i.Gamma, i.Epsilon, i.NormalizeByStd)));
        registry.Register(Grpo, i => SameTwice(GrpoAdvantage.Compute(i.TokenLevelRewards, i.ResponseMask, i.GroupIds, i.Epsilon, i.NormalizeByStd)));
        registry.Register(DrGrpo, i => SameTwice(GrpoAdvantage.Compute(i.TokenLevelRewards, i.ResponseMask, i.GroupIds, i.Epsilon, normalizeByStd: false)));
        registry.Register(Rloo, i => SameTwice(RlooAdvantage.Compute(i.TokenLevelRewards, i.ResponseMask, i.GroupIds)));
        registry.Register(ReinforcePlusPlus, i => Algorithms.ReinforcePlusPlus.Compute(i.TokenLevelRewards, i.ResponseMask, i.Gamma));
        registry.Register(ReinforcePlusPlusBaseline, i => SameTwice(Algorithms.ReinforcePlusPlus.ComputeWithBaseline(i.TokenLevelRewards, i.ResponseMask, i.GroupIds)));
        return registry;
    }

    /// <summary>Registers <paramref name="compute"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public void Register(string name, AdvantageEstimatorFn compute, bool needsValues = false)
    {
        ArgumentNullException.ThrowIfNull(compute);
        _registry.Register(name, new AdvantageEstimator(name, needsValues, compute));
    }

    /// <summary>The estimator registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public AdvantageEstimator Get(string name) => _registry.Get(name);

    // Outcome estimators return the advantages as their returns too (verl returns the same tensor twice).
    private static AdvantageResult SameTwice(Tensor advantages) => new(advantages, advantages);
}
