using ToolRL.Configuration;
using ToolRL.Configuration.Planning;
using ToolRL.Models;
using ToolRL.Torch;
using ToolRL.Training;

namespace ToolRL.Tests.Planning;

/// <summary>
/// <c>toolrl plan</c>'s weights, gradients and optimizer state are what training allocates: the tensors of a real tiny
/// policy in the configured dtype, its gradients after a backward, and the AdamW state of the
/// <see cref="ParameterGroup"/> every trainer steps it with (moments in the parameters' dtype, no fp32 master copy).
/// </summary>
public sealed class PlanMatchesAllocationTests
{
    [Theory]
    [InlineData("float32", DType.Float32)]     // 4 B weights and gradients, 2 × 4 B of moments
    [InlineData("bfloat16", DType.BFloat16)]   // 2 B weights and gradients, 2 × 2 B of moments (not 12 B with fp32 m, v and master)
    public void WeightsGradientsAndOptimizerStateAreWhatTheTensorsTake(string dtype, DType torchDtype)
    {
        var config = TrainingConfig.Parse(Configuration.ConfigJson.With(o => o["dtype"] = dtype));
        var memory = TrainingPlanner.Plan(config, new PlanOptions { Devices = 1 }).Memory!;

        var tiny = config.Model.Tiny!;
        using var policy = Qwen2ForCausalLM.CreateRandom(new Qwen2Config
        {
            VocabSize = 512, HiddenSize = tiny.HiddenSize, IntermediateSize = tiny.IntermediateSize, NumHiddenLayers = tiny.NumHiddenLayers,
            NumAttentionHeads = tiny.NumAttentionHeads, NumKeyValueHeads = tiny.NumKeyValueHeads, TieWordEmbeddings = tiny.TieWordEmbeddings,
        }, seed: 0, torchDtype);
        using var actor = ParameterGroup.Trainable("actor", policy, 1e-3, 0, 1.0);
        var parameters = policy.TrainableParameters().ToList();
        using (var scope = torch.NewScope())
        {
            parameters.Select(p => p.Sum()).Aggregate((a, b) => a + b).Backward();
        }

        Assert.All(parameters, p => Assert.Equal(torchDtype, p.DType));
        Assert.Equal(parameters.Sum(p => Bytes(p)), Item(memory, MemoryCategories.Weights, "policy"));
        Assert.Equal(parameters.Sum(p => Bytes(p.Grad!)), Item(memory, MemoryCategories.Gradients, "policy"));
        var moments = actor.StateDict().Where(s => s.Key != "step").Select(s => s.Value).ToList();
        Assert.Equal(2 * parameters.Count, moments.Count);
        Assert.Equal(moments.Sum(Bytes), Item(memory, MemoryCategories.Optimizer, "policy"));
        Assert.Equal(actor.OptimizerStateBytes, Item(memory, MemoryCategories.Optimizer, "policy"));
    }

    private static long Bytes(Tensor t) => t.NumEl * t.DType.ElementSize();

    private static long Item(MemoryEstimate memory, string category, string component) =>
        Assert.Single(memory.Items, i => i.Category == category && i.Component == component).Bytes;
}
