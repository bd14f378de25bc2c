using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.Rewards;
using ToolRL.Training;
using ToolRL.Training.Metrics;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.Agents;

/// <summary>
/// Credit over turns: the environment's per-turn rewards sit on each turn's last generated token and reach PPO's GAE
/// there (so earlier turns are credited with later rewards, later turns not with earlier ones); a reward function sees
/// the whole trajectory with its turns and calls.
/// </summary>
public class TurnRewardTests
{
    /// <summary>
    /// The weather conversation, optionally with a reward after each turn (0.5 for the calls, 0.25 for the answer) and
    /// with score components replaced by <paramref name="components"/>.
    /// </summary>
    private sealed class AdjustedWeather(bool stepRewards, IReadOnlyDictionary<string, double>? components = null) : IAgentEnvironmentFactory
    {
        public IReadOnlyList<AgentTask> Tasks(TaskSplit split) => [WeatherFactory.Task];

        public IAgentEnvironment Create(AgentTask task) => new Environment(new WeatherEnvironment(), stepRewards, components);

        public ValueTask<GoldConversation?> GoldAsync(AgentTask task, CancellationToken cancellationToken = default) => ValueTask.FromResult<GoldConversation?>(null);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private sealed class Environment(WeatherEnvironment inner, bool stepRewards, IReadOnlyDictionary<string, double>? components) : IAgentEnvironment
        {
            public ValueTask<EnvironmentReset> ResetAsync(CancellationToken cancellationToken = default) => inner.ResetAsync(cancellationToken);

            public async ValueTask<EnvironmentStep> StepAsync(AssistantTurn turn, CancellationToken cancellationToken = default)
            {
                var step = await inner.StepAsync(turn, cancellationToken);
                return stepRewards ? step with { StepReward = turn.IsAnswer ? 0.25 : 0.5 } : step;
            }

            public async ValueTask<EpisodeScore> ScoreAsync(TerminationReason termination, CancellationToken cancellationToken = default)
            {
                var score = await inner.ScoreAsync(termination, cancellationToken);
                return components is null ? score : score with { Components = components };
            }

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }
    }

    private static int[] Ids(string text) => [.. AgentFixtures.Tokenizer.EncodeToIds(text)];

    private static readonly int[] Calls = Ids("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n" +
        "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call><|im_end|>");

    private static readonly int[] Answer = Ids("Paris is 18 C, Oslo 9 C.<|im_end|>");

    private static async Task<AgentTrajectory> PlayAsync(IAgentEnvironmentFactory factory) =>
        (await new AgentRollout(AgentFixtures.Tokenizer, new AgentRolloutOptions())
            .RunAsync(factory, factory.Tasks(TaskSplit.Train), 1, (_, _) => new ScriptedTokenPolicy([[Calls, Answer]]), CancellationToken.None))[0];

    [Fact]
    public async Task Per_turn_rewards_sit_on_each_turns_last_generated_token_and_reach_gae_there()
    {
        var t = await PlayAsync(new AdjustedWeather(stepRewards: true));
        Assert.Equal(TerminationReason.Answered, t.Termination);
        var answerStart = t.ResponseIds.Length - Answer.Length;
        // Hand-computed: the calls turn ends at its own <|im_end|> (index Calls.Length − 1), the answer at the last token.
        Assert.Equal([(Calls.Length - 1, 0.5), (t.ResponseIds.Length - 1, 0.25)], t.StepRewards);
        var trajectory = AgentRolloutStage.ForTrainer(t, reward: 1.0);
        var expected = new float[t.ResponseIds.Length];
        expected[Calls.Length - 1] = 0.5f;
        expected[^1] = 0.25f;
        Assert.Equal(expected, trajectory.TokenRewards);
        Assert.Equal(Calls.Length + Answer.Length, t.PolicyTokens);
        Assert.All(Enumerable.Range(Calls.Length, answerStart - Calls.Length), i => Assert.False(t.LossMask[i]));   // the tool results

        // PPO with γ = λ = 1: the return at a generated token is the sum of the rewards at and after it, whatever the
        // critic says (A_t + V_t telescopes), bridging the tool results. The calls turn's tokens get 0.5 + 0.25 + 1,
        // the answer's 0.25 + 1; a reward put anywhere else (or dropped) changes the mean.
        var metrics = await OnePpoStepAsync(trajectory);
        Assert.Equal(1.75, metrics.Get(MetricNames.RewardsMean)!.Value, 5);
        var wantReturns = (Calls.Length * 1.75 + Answer.Length * 1.25) / (Calls.Length + Answer.Length);
        Assert.Equal(wantReturns, metrics.Get(MetricNames.ReturnsMean)!.Value, 4);
    }

    [Fact]
    public async Task A_reward_function_sees_the_whole_trajectory_with_its_turns_and_calls()
    {
        var t = await PlayAsync(new WeatherFactory());
        var reward = new TrajectoryReward();
        var metrics = new Dictionary<string, double>();
        var scores = AgentRolloutStage.ScoreWithRewardFunctions(reward, [t], step: 4, metrics);

        var seen = Assert.Single(reward.Seen);
        Assert.Equal(["system", "user"], seen.Prompt.Select(m => m.Role));
        Assert.Equal("Paris is 18 C, Oslo 9 C.", seen.Completion);
        Assert.Equal(4, seen.Step);
        var messages = seen.Extra!["messages"]!.AsArray();
        Assert.Equal(["system", "user", "assistant", "tool", "tool", "assistant"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal(["Paris", "Oslo"], messages[2]!["tool_calls"]!.AsArray().Select(c => c!["arguments"]!["city"]!.GetValue<string>()));
        Assert.Equal("{\"temp_c\": 18}", messages[3]!["content"]!.GetValue<string>());
        Assert.Equal(2, seen.Extra["num_turns"]!.GetValue<int>());
        Assert.Equal(2, seen.Extra["tool_calls"]!.GetValue<int>());
        Assert.Equal(0, seen.Extra["tool_errors"]!.GetValue<int>());
        Assert.Equal("answered", seen.Extra["termination"]!.GetValue<string>());
        Assert.Equal(t.Score.Components.Count, seen.Extra["score_components"]!.AsObject().Count);
        // The function's score (1 per tool result it read) is the trajectory's extra reward, with its metrics.
        Assert.Equal([2.0], scores);
        Assert.Equal(2.0, metrics.Where(m => m.Key.Contains("trajectory", StringComparison.Ordinal)).Select(m => m.Value).First());
    }

    [Fact]
    public async Task The_env_component_reward_reads_a_score_component_from_the_registry()
    {
        var t = await PlayAsync(new AdjustedWeather(stepRewards: false, new Dictionary<string, double> { ["action_matched"] = 0.5 }));
        var reward = RewardRegistry.Default.Create(JsonNode.Parse("""[{"name": "env_component", "weight": 0.25, "options": {"component": "action_matched"}}]""")!);
        var metrics = new Dictionary<string, double>();
        Assert.Equal([0.125], AgentRolloutStage.ScoreWithRewardFunctions(reward, [t], step: 1, metrics));
        // Not applicable (null) to a sample without the component; a missing or unknown option is refused.
        Assert.Equal([null], new EnvironmentComponentReward("db").Score([new RewardSample { Prompt = [], Completion = "" }]).Values);
        Assert.Contains("options.component is missing", Assert.Throws<ArgumentException>(() => RewardRegistry.Default.Create("env_component")).Message, StringComparison.Ordinal);
        Assert.Contains("unknown option 'weight'", Assert.Throws<ArgumentException>(() => EnvironmentComponentReward.FromOptions(new JsonObject { ["weight"] = 1 })).Message, StringComparison.Ordinal);
    }

    private sealed class TrajectoryReward : IRewardFunction
    {
        public List<RewardSample> Seen { get; } = [];

        public string Name => "trajectory";

        public RewardOutput Score(IReadOnlyList<RewardSample> batch)
        {
            Seen.AddRange(batch);
            return batch.Select(s => (double)s.Extra!["messages"]!.AsArray().Count(m => m!["role"]!.GetValue<string>() == "tool")).ToArray();
        }
    }

    /// <summary>One PPO step (γ = λ = 1, no KL) over the given trajectory; returns its metrics.</summary>
    private static async Task<MetricsRow> OnePpoStepAsync(Trajectory trajectory)
    {
        using var temp = new TempDirectory("turn-rewards");
        var config = TrainingConfig.FromJson(JsonNode.Parse($$"""
            {
              "algorithm": "ppo", "seed": 3, "batch_size": 1, "n": 1, "max_prompt_length": 2048, "max_response_length": 256,
              "actor_lr": 1e-3, "critic_lr": 1e-3, "ppo_mini_batch_size": 1, "ppo_micro_batch_size": 1, "kl_coef": 0, "use_kl_in_reward": false,
              "gamma": 1.0, "lam": 1.0,
              "model": { "tiny": { "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 32 } },
              "tokenizer": { "train_bpe": { "vocab_size": 400 } },
              "environment": { "name": "retail" },
              "trainer": { "experiment_name": "turn-rewards", "output_dir": "{{temp.Path.Replace("\\", "/")}}", "save_freq": -1, "test_freq": -1,
                           "val_before_train": false, "total_training_steps": 1 }
            }
            """)!.AsObject());
        using var policy = new Qwen2Policy(Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = AgentFixtures.Tokenizer.VocabSize, HiddenSize = 16, IntermediateSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 2,
            NumKeyValueHeads = 1, MaxPositionEmbeddings = 2048, TieWordEmbeddings = true, EosTokenIds = [AgentFixtures.Tokenizer.ImEndTokenId],
        }, seed: 5));
        using var critic = new Qwen2Critic(Qwen2ValueModel.CreateFrom(policy.Model, seed: 6));
        using var trainer = new PpoTrainer(new RlTrainerSetup
        {
            Config = config,
            Policy = policy,
            Critic = critic,
            Prompts = new PromptEncoder(AgentFixtures.Tokenizer, config.MaxPromptLength),
            TrainRows = TaskRows.From([WeatherFactory.Task], "weather"),
            ValRows = [],
            Reward = new TrajectoryReward(),
            Rollout = new FixedRollout(trajectory),
            OutputDir = temp.Path,
        });
        MetricsRow? last = null;
        await foreach (var step in trainer.TrainAsync())
        {
            last = step.Metrics;
        }
        return last!;
    }

    private sealed class FixedRollout(Trajectory trajectory) : IRolloutStage
    {
        public Task<RolloutBatch> RolloutAsync(RolloutRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(new RolloutBatch([trajectory]));
    }
}
