using Microsoft.Extensions.AI;
using ToolRL.Data;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Tokenization;

namespace ToolRL.Training.Pipeline;

/// <summary>
/// What a script hands the pipeline in memory instead of through the configuration; each one given replaces its
/// stage: rows replace the data stage, a tokenizer the tokenizer stage, a model the policy's creation (it is trained
/// in place and not disposed), and reward instances are used for the configured functions of their names.
/// </summary>
internal sealed record PipelineInputs
{
    public IReadOnlyList<RlRow>? TrainRows { get; init; }

    public IReadOnlyList<RlRow>? ValRows { get; init; }

    public Qwen2Tokenizer? Tokenizer { get; init; }

    public Qwen2ForCausalLM? Model { get; init; }

    /// <summary>Tools offered in the configured environment beside its own.</summary>
    public IReadOnlyList<AIFunction>? AgentTools { get; init; }

    /// <summary>Reward functions by their configured name (<c>reward.functions[].name</c>), used instead of the registry's.</summary>
    public IReadOnlyDictionary<string, IRewardFunction> Rewards { get; init; } = new Dictionary<string, IRewardFunction>();
}
