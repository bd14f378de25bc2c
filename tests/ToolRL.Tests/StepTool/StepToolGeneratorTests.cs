using ToolRL.Agents;
using ToolRL.Agents.Retail;
using ToolRL.StepTool;
using ToolRL.Tokenization;

namespace ToolRL.Tests.StepTool;

/// <summary>StepTool-format rows generated from the retail environment: real tool results, rule-based step scores, the authors' layout.</summary>
public sealed class StepToolGeneratorTests
{
    [Fact]
    public async Task GeneratesScoredVariantsInTheAuthorsFormat()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 4, ValidationTasks = 1, Kinds = ["order_status", "cancel"] });
        var tasks = factory.Tasks(TaskSplit.Train);
        var samples = await StepToolGenerator.GenerateAsync(factory, tasks);
        Assert.Equal(tasks.Count * 4, samples.Count);
        for (var t = 0; t < tasks.Count; t++)
        {
            var (gold, failed, repeated, wrong) = (samples[4 * t], samples[4 * t + 1], samples[4 * t + 2], samples[4 * t + 3]);
            // Every row: one prompt, response and reward per step; ChatML fragments as StepTool's qwen2 files.
            foreach (var s in new[] { gold, failed, repeated, wrong })
            {
                Assert.Equal(s.Steps, s.Prompts.Count);
                Assert.Equal(s.Steps, s.Rewards.Count);
                Assert.StartsWith("<|im_start|>system\n", s.Prompts[0], StringComparison.Ordinal);
                Assert.All(s.Prompts, p => Assert.EndsWith("<|im_start|>assistant\n", p, StringComparison.Ordinal));
                Assert.All(s.Responses, r => Assert.EndsWith("<|im_end|>\n", r, StringComparison.Ordinal));
                Assert.All(s.Rewards, r => Assert.InRange(r, 0, 1));
            }
            Assert.Equal(1.0, gold.Rewards[^1]);                       // the gold conversation solves the task
            Assert.Equal(0.0, wrong.Rewards[^1]);                      // an answer that says nothing fails it
            Assert.Equal(gold.Steps + 1, failed.Steps);
            Assert.Contains("<tool_response>\n{\"error\"", failed.Prompts[1], StringComparison.Ordinal);
            Assert.Equal(0.0, failed.Rewards[0]);                      // error observation, no contribution
            Assert.True(gold.Rewards[0] >= 0.5);                       // the call succeeded
            Assert.Equal(gold.Steps + 1, repeated.Steps);
        }
    }

    [Fact]
    public async Task GeneratedRowsRoundTripThroughTheReaderAndRenderTheWholeChat()
    {
        var factory = new RetailEnvironmentFactory(new RetailOptions { TrainTasks = 3, ValidationTasks = 1 });
        var samples = await StepToolGenerator.GenerateAsync(factory, factory.Tasks(TaskSplit.Train), variants: 2);
        using var temp = new TempDirectory("steptool-gen");
        Directory.CreateDirectory(temp.Path);
        var path = Path.Combine(temp.Path, "train.csv");
        StepToolFile.Write(path, samples);
        var read = StepToolFile.Read(path);
        Assert.Equal(samples.Count, read.Count);
        for (var i = 0; i < read.Count; i++)
        {
            Assert.Equal(samples[i].Prompts, read[i].Prompts);
            Assert.Equal(samples[i].Responses, read[i].Responses);
            Assert.Equal(samples[i].Rewards, read[i].Rewards);
        }
        // The fragments, in order, are exactly the rendered gold conversation.
        var gold = (await factory.GoldAsync(factory.Tasks(TaskSplit.Train)[0]))!;
        var joined = string.Concat(read[0].Prompts.Zip(read[0].Responses, (p, r) => p + r));
        var throughLastAnswer = gold.Messages.Take(gold.Messages.ToList().FindLastIndex(m => m.Role == "assistant") + 1).ToList();
        Assert.Equal(Qwen25ChatTemplate.Render(throughLastAnswer, gold.Tools), joined);
    }
}
