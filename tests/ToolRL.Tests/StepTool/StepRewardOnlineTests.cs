using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Configuration;
using ToolRL.StepTool;
using ToolRL.Tests.Agents;

namespace ToolRL.Tests.StepTool;

/// <summary>Online step rewards in multi-turn rollouts, and the steptool section's checks.</summary>
public sealed class StepRewardOnlineTests
{
    [Fact]
    public async Task EachToolTurnGetsItsAnnotatorScoreOnItsLastGeneratedToken()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 4, ValidationTasks = 1, Kinds = ["count_orders", "cancel"] });
        var played = await GoldTrajectories.BuildAsync(factory, factory.Tasks(TaskSplit.Train), AgentFixtures.Tokenizer, new AgentRolloutOptions { MaxTurns = 6 });
        Assert.NotEmpty(played);
        foreach (var t in played)
        {
            var steps = StepRewardRolloutStage.StepRewards(t);
            var toolTurns = t.Messages.Count(m => m.Role == "assistant" && m.ToolCalls is { Count: > 0 });
            Assert.Equal(toolTurns, steps.Count);
            var answer = t.Messages.Last(m => m.Role == "assistant").Content;
            var toolSegments = t.Segments.Where(s => s.Kind == SegmentKind.Tool).ToList();
            for (var k = 0; k < steps.Count; k++)
            {
                var (index, score) = steps[k];
                Assert.True(t.LossMask[index]);                      // a generated token …
                Assert.False(t.LossMask[index + 1]);                 // … the last before the tool results
                Assert.Equal(toolSegments[k].Start, index + 1);
                var observations = t.Messages.SkipWhile((m, i) => i <= IndexOfToolTurn(t, k)).TakeWhile(m => m.Role == "tool").Select(m => m.Content).ToList();
                Assert.Equal(RuleBasedStepAnnotator.StepScore(observations, answer), score);
                Assert.True(score >= 0.5);                           // gold calls succeed
            }
        }

        static int IndexOfToolTurn(AgentTrajectory t, int k) =>
            t.Messages.Select((m, i) => (m, i)).Where(x => x.m.Role == "assistant" && x.m.ToolCalls is { Count: > 0 }).ElementAt(k).i;
    }

    [Theory]
    [InlineData("""{ "mode": "online" }""", false, "$.steptool.mode")]
    [InlineData("""{ "mode": "offline" }""", false, "$.steptool.train_files")]
    [InlineData("""{ "mode": "offline", "train_files": ["x.csv"] }""", true, "$.n")]
    [InlineData("""{ "mode": "offline", "train_files": ["x.csv"], "step_weighting": "half" }""", false, "$.steptool.step_weighting")]
    [InlineData("""{ "mode": "online", "train_files": ["x.csv"] }""", false, "$.steptool.train_files")]
    [InlineData("""{ "variants": 5, "train_files": ["x.csv"] }""", false, "$.steptool.variants")]
    public void TheSectionIsCheckedAgainstTheRest(string section, bool withN, string path)
    {
        var root = JsonNode.Parse($$"""
            {
              "algorithm": "ppo", "adv_estimator": "gae_decaying", "batch_size": 2, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 2,
              {{(withN ? "\"n\": 2," : "")}}
              "model": { "base_model": "m" },
              "steptool": {{section}}
            }
            """)!.AsObject();
        var e = Assert.Throws<ConfigurationException>(() => TrainingConfig.FromJson(root));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASteptoolSectionRoundTripsThroughTheResolvedConfig()
    {
        var root = JsonNode.Parse("""
            {
              "algorithm": "ppo", "adv_estimator": "gae_decaying", "batch_size": 2, "ppo_mini_batch_size": 2, "ppo_micro_batch_size": 2,
              "model": { "base_model": "m" },
              "steptool": { "train_files": ["a.csv", "b.csv"], "step_weighting": "last_token", "max_context_len": 100 },
              "trainer": { "test_freq": -1, "val_before_train": false }
            }
            """)!.AsObject();
        var config = TrainingConfig.FromJson(root);
        Assert.Equal(["a.csv", "b.csv"], config.StepTool!.TrainFiles);
        Assert.Equal(StepWeighting.LastToken, config.StepTool.StepWeighting);
        var again = TrainingConfig.FromJson(config.ToJson());
        Assert.Equal(config.StepTool with { TrainFiles = [] }, again.StepTool! with { TrainFiles = [] });
        Assert.Equal(config.StepTool.TrainFiles, again.StepTool!.TrainFiles);
        Assert.False(again.ToJson().ContainsKey("data"));
    }
}
