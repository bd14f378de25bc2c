using System.Text.Json.Nodes;
using ToolRL.Rewards;

namespace ToolRL.Agents.Training;

/// <summary>
/// One component of the environment's episode score as a reward function (<c>"env_component"</c>, options
/// <c>{"component": "action_matched"}</c>): the value the environment reported under that name
/// (<see cref="EpisodeScore.Components"/>, handed to reward functions in <c>extra.score_components</c> by
/// <see cref="AgentRolloutStage"/>); null (not applicable) for samples without it. With a small weight beside the
/// environment's 0/1 reward it is partial credit, as slime's tau2 recipe adds α × its partial score to the task reward
/// (shaped = reward + α·partial): with the retail domain's <c>action_matched</c>, a trajectory whose call carries the
/// right arguments scores above one that guessed, even when neither finished the task.
/// </summary>
public sealed class EnvironmentComponentReward : IRewardFunction
{
    /// <summary>The registry name.</summary>
    public const string RegistryName = "env_component";

    /// <summary>The component read from <c>extra.score_components</c>.</summary>
    public string Component { get; }

    /// <summary>A reward reading <paramref name="component"/>.</summary>
    public EnvironmentComponentReward(string component)
    {
        Component = string.IsNullOrWhiteSpace(component)
            ? throw new ArgumentException("env_component needs options.component, e.g. {\"component\": \"action_matched\"}", nameof(component))
            : component;
    }

    /// <summary>Builds the reward from its config options (<c>component</c>, required).</summary>
    public static EnvironmentComponentReward FromOptions(JsonObject? options)
    {
        var unknown = options?.Select(o => o.Key).FirstOrDefault(k => k != "component");
        if (unknown is not null)
        {
            throw new ArgumentException($"env_component has the unknown option '{unknown}'; known: component");
        }
        return options?["component"] is JsonValue v && v.TryGetValue<string>(out var name)
            ? new EnvironmentComponentReward(name)
            : throw new ArgumentException($"env_component's options.component is {options?["component"]?.ToJsonString() ?? "missing"}; fix: name a score component, e.g. {{\"component\": \"action_matched\"}}");
    }

    /// <inheritdoc />
    public string Name => RegistryName;

    /// <inheritdoc />
    public RewardOutput Score(IReadOnlyList<RewardSample> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.Select(s => s.Extra?["score_components"]?[Component] is JsonValue v && v.TryGetValue<double>(out var value) ? value : (double?)null).ToArray();
    }
}
