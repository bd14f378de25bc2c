using ToolRL.Torch;

namespace ToolRL.Algorithms;

/// <summary>A policy loss over a (micro-)batch, as verl's <c>PolicyLossFn</c>: old and current log-probs, advantages, mask, settings, mini-batch denominators.</summary>
public delegate PolicyLossResult PolicyLossFn(Tensor oldLogProbs, Tensor logProbs, Tensor advantages, Tensor responseMask,
    PolicyLossSettings settings, LossNormalizer? normalizer);

/// <summary>
/// Policy losses by name, as verl's <c>register_policy_loss</c> (core_algos.py): the config's <c>policy_loss</c>
/// selects one. Built in, under verl's names: <c>vanilla</c>, verl's default, the PPO clipped surrogate with
/// clip-higher and the dual clip for negative advantages (<see cref="PolicyLoss.ComputeClipped"/>; verl has no
/// separate dual-clip loss, <c>clip_ratio_c</c> is part of vanilla), and <c>gspo</c>, the sequence-level ratio
/// (<see cref="GspoPolicyLoss.Compute"/>). Names are unique; an unknown name lists the known ones.
/// </summary>
public sealed class PolicyLosses
{
    /// <summary>verl's <c>vanilla</c> loss (clipped surrogate + dual clip).</summary>
    public const string Vanilla = "vanilla";

    /// <summary>verl's <c>gspo</c> loss (sequence-level importance ratio).</summary>
    public const string Gspo = "gspo";

    private readonly NamedRegistry<PolicyLossFn> _registry = new("policy_loss", "PolicyLosses.Default.Register");

    /// <summary>The process-wide registry with the built-in losses.</summary>
    public static PolicyLosses Default { get; } = CreateWithBuiltIns();

    /// <summary>The registered names, sorted.</summary>
    public IReadOnlyList<string> Names => _registry.Names;

    /// <summary>A new registry holding the built-in losses.</summary>
    public static PolicyLosses CreateWithBuiltIns()
    {
        var registry = new PolicyLosses();
        registry.Register(Vanilla, PolicyLoss.ComputeClipped);
        registry.Register(Gspo, GspoPolicyLoss.Compute);
        return registry;
    }

    /// <summary>Registers <paramref name="loss"/> under <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or already registered.</exception>
    public void Register(string name, PolicyLossFn loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        _registry.Register(name, loss);
    }

    /// <summary>The loss registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public PolicyLossFn Get(string name) => _registry.Get(name);
}
