using ToolRL.Configuration;
using ToolRL.Configuration.Planning;
using ToolRL.Distributed;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Training;

namespace ToolRL.Tests.Distributed;

/// <summary><c>toolrl plan --devices N</c> counts what data-parallel ranks allocate: the tensors of a real policy and critic.</summary>
public sealed class PlanMatchesRanksTests
{
    [Fact]
    public void PlanDevicesCountsTheGradientSumsAndTheZeroOneShareOfTheRealModels()
    {
        var config = TrainingConfig.Parse(Configuration.ConfigJson.With(o =>
        {
            o["algorithm"] = "ppo";
            o["adv_estimator"] = "gae";
        }));
        var one = TrainingPlanner.Plan(config, new PlanOptions { Devices = 1 }).Memory!;
        var two = TrainingPlanner.Plan(config, new PlanOptions { Devices = 2 }).Memory!;
        var sharded = TrainingPlanner.Plan(config, new PlanOptions { Devices = 2, ShardOptimizer = true }).Memory!;

        var tiny = config.Model.Tiny!;
        using var policy = Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = 512, HiddenSize = tiny.HiddenSize, IntermediateSize = tiny.IntermediateSize, NumHiddenLayers = tiny.NumHiddenLayers,
            NumAttentionHeads = tiny.NumAttentionHeads, NumKeyValueHeads = tiny.NumKeyValueHeads, TieWordEmbeddings = tiny.TieWordEmbeddings,
        }, seed: 0);
        using var critic = Qwen2ValueModel.CreateFrom(policy);
        var policySizes = policy.TrainableParameters().Select(p => p.NumEl).ToArray();
        var criticElements = critic.TrainableParameters().Sum(p => p.NumEl);

        // Every rank sums the policy's and the critic's gradients in float64 (8 B per trained element).
        Assert.Equal(policySizes.Sum() * 8, Bytes(two, "policy gradient sum", MemoryCategories.Gradients));
        Assert.Equal(criticElements * 8, Bytes(two, "critic gradient sum", MemoryCategories.Gradients));
        Assert.DoesNotContain(one.Items, i => i.Component.EndsWith("gradient sum", StringComparison.Ordinal));

        // Replicated AdamW: what a ParameterGroup allocates; ZeRO-1: the largest rank's flat range (rank 0's) and its slice copy.
        using var store = TcpStore.Host(0, TimeSpan.FromSeconds(30));
        using var group = ProcessGroup.Create(store, 0, 1, DistributedBackend.Gloo, TimeSpan.FromSeconds(30), "127.0.0.1");
        using var actor = ParameterGroup.DataParallel("actor", policy.TrainableParameters(), 1e-3, 0, 1.0, group, shardOptimizer: true);
        Assert.Equal(actor.OptimizerStateBytes, Bytes(one, "policy", MemoryCategories.Optimizer));
        Assert.Equal(actor.OptimizerStateBytes, Bytes(two, "policy", MemoryCategories.Optimizer));
        var rankZero = OptimizerShards.Split(policySizes, 2).Where(p => p.Owner == 0).Sum(p => p.Length);
        Assert.Equal(rankZero * 2 * sizeof(float), Bytes(sharded, "policy", MemoryCategories.Optimizer));
        Assert.Equal(rankZero * sizeof(float), Bytes(sharded, "policy ZeRO-1 slice", MemoryCategories.Optimizer));
        Assert.InRange(rankZero * 2 - policySizes.Sum(), 0, 1);
    }

    private static long Bytes(MemoryEstimate memory, string component, string category) =>
        memory.Items.Single(i => i.Component == component && i.Category == category).Bytes;
}
