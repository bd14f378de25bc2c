using System.Text.Json.Nodes;
using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.Agents.Rollout;
using ToolRL.Agents.Training;
using ToolRL.Configuration;
using ToolRL.Models;
using ToolRL.StepTool;
using ToolRL.Tests.Agents;
using ToolRL.Training;
using ToolRL.Training.Models;
using ToolRL.Training.Rollout;

namespace ToolRL.Tests.StepTool;

/// <summary>
/// <see cref="StepRewardRolloutStage.RolloutAsync"/> end to end: the retail environment, a tiny Qwen2 policy warm-started
/// on the gold conversations so that it writes tool calls (some right, most with a wrong order id or a malformed
/// block), sampled at temperature 0.6.
/// </summary>
public sealed class StepRewardRolloutStageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Weight = 0.5;

    [Fact]
    public async Task StepRewardsLandOnEachStepsLastGeneratedTokenWithTheAnnotatorsValues()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 2, ValidationTasks = 1, Users = 2, Kinds = ["order_status"], OfferedTools = ["get_order_details"] });
        var tasks = factory.Tasks(TaskSplit.Train);
        var options = new AgentRolloutOptions { MaxTurns = 4 };
        var tokenizer = AgentFixtures.Tokenizer;
        using var policy = new Qwen2Policy(Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = tokenizer.VocabSize, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 2,
            NumKeyValueHeads = 1, MaxPositionEmbeddings = 2048, TieWordEmbeddings = true, EosTokenIds = [tokenizer.ImEndTokenId],
        }, seed: 5));
        var loss = await WarmStartAsync(policy, await GoldTrajectories.BuildAsync(factory, tasks, tokenizer, options));
        output.WriteLine($"warm start: SFT loss {loss:0.000}");

        var inner = new AgentRolloutStage(factory, tokenizer, options);
        var stage = new StepRewardRolloutStage(inner, Weight);
        var request = new RolloutRequest(policy, TaskRows.From(tasks, "retail"), 4, new SamplingSettings(480, 0.6, 1.0, -1, [tokenizer.ImEndTokenId]), Seed: 7, Step: 1);
        var batch = await stage.RolloutAsync(request, CancellationToken.None);
        foreach (var t in inner.LastTrajectories)
        {
            output.WriteLine($"{t.Termination}: {t.NumTurns} turns, {t.ToolCalls} calls, {t.ToolErrors} errors, step scores {string.Join(", ", StepRewardRolloutStage.StepRewards(t).Select(x => x.Score))}");
        }

        Assert.Equal(8, batch.Trajectories.Count);
        var steps = new List<double>();
        var totals = new List<double>();
        for (var i = 0; i < batch.Trajectories.Count; i++)
        {
            var t = inner.LastTrajectories[i];
            var trained = batch.Trajectories[i];
            Assert.Equal(t.ResponseIds, trained.ResponseIds);
            Assert.Equal(t.Score.Reward, trained.Reward);        // the outcome stays the trajectory's reward

            // Independently of the stage: the generated tokens form one run per assistant turn (inserted tool results
            // and headers separate them); a turn that called tools ends its run, and its step reward sits on that run's
            // last token: weight × the annotator's score of its tool results against the final answer.
            var runs = GeneratedRuns(t.LossMask);
            var turns = t.Messages.Select((m, j) => (Message: m, Index: j)).Where(x => x.Message.Role == "assistant").ToList();
            Assert.Equal(turns.Count, runs.Count);
            // A step is a turn the environment answered with tool results (a malformed call block is a failed call);
            // the final answer is the last turn without calls or results.
            var observationsOf = turns.Select(x => t.Messages.Skip(x.Index + 1).TakeWhile(m => m.Role == "tool").Select(m => m.Content).ToList()).ToList();
            var answer = turns.Where((x, k) => x.Message.ToolCalls is not { Count: > 0 } && observationsOf[k].Count == 0).LastOrDefault().Message?.Content ?? "";
            var expected = new float[t.ResponseIds.Length];
            foreach (var (index, value) in t.StepRewards)
            {
                expected[index] += (float)value;                  // the environment's own per-turn rewards (none in retail)
            }
            var total = 0.0;
            for (var k = 0; k < turns.Count; k++)
            {
                if (observationsOf[k].Count == 0)
                {
                    continue;
                }
                var score = RuleBasedStepAnnotator.StepScore(observationsOf[k], answer);
                expected[runs[k].End] += (float)(Weight * score);
                total += Weight * score;
                steps.Add(score);
            }
            Assert.Equal(expected, trained.TokenRewards);
            totals.Add(total);
        }
        // The sampled policy called tools, and the annotator told good steps from bad ones.
        Assert.True(steps.Count >= 4, $"only {steps.Count} tool-calling turns were sampled");
        Assert.Contains(steps, s => s > 0);   // a misplaced non-zero reward shows in the token comparison above
        Assert.Equal(totals.Average(), batch.Metrics["steptool/step_reward/mean"], 12);
    }

    private static List<(int Start, int End)> GeneratedRuns(IReadOnlyList<bool> mask)
    {
        var runs = new List<(int, int)>();
        for (var i = 0; i < mask.Count; i++)
        {
            if (mask[i] && (i == 0 || !mask[i - 1]))
            {
                var end = i;
                while (end + 1 < mask.Count && mask[end + 1])
                {
                    end++;
                }
                runs.Add((i, end));
            }
        }
        return runs;
    }

    /// <summary>Gold-conversation SFT, as the pipeline's warm start, until the tiny policy writes tool calls.</summary>
    private static async Task<double> WarmStartAsync(Qwen2Policy policy, IReadOnlyList<AgentTrajectory> gold)
    {
        var config = TrainingConfig.FromJson(JsonNode.Parse("""
            {
              "algorithm": "sft", "seed": 3, "max_prompt_length": 2048, "max_response_length": 640, "max_grad_norm": 1.0,
              "model": { "tiny": { "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "num_key_value_heads": 1, "intermediate_size": 64 } },
              "tokenizer": { "train_bpe": { "vocab_size": 420 } },
              "environment": { "name": "retail" },
              "sft": { "epochs": 40, "lr": 0.01, "batch_size": 2, "micro_batch_size": 2 }
            }
            """)!.AsObject());
        using var trainer = new SftTrainer(config, policy, new PromptEncoder(AgentFixtures.Tokenizer, config.MaxPromptLength).PadTokenId, [.. gold.Select(AgentRun.ToSequence)]);
        double loss = 0;
        await foreach (var step in trainer.TrainAsync())
        {
            loss = step["sft/loss"] ?? 0;
        }
        return loss;
    }
}
