using ToolRL.Models;
using ToolRL.Torch;
using static ToolRL.Tests.Models.ModelFixtures;
using static ToolRL.Torch.torch;

namespace ToolRL.Tests.Models;

/// <summary>Per-layer gradient checkpointing recomputes each layer in the backward: the loss and every parameter's
/// gradient must equal those of the ordinary backward (left-padded batch, so the padding mask is exercised too).</summary>
public class GradientCheckpointingTests
{
    private static Qwen2ForCausalLM Model() => Qwen2ForCausalLM.CreateRandom(new Qwen2Config
    {
        VocabSize = 97, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 3, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, RopeTheta = 1e6, InitializerRange = 0.5,
    }, seed: 3);

    private static readonly long[] Ids = [0, 0, 5, 6, 7, 8, 9, 10, 1, 2, 3, 4, 11, 12, 13, 14];
    private static readonly long[] Mask = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];

    private static (double Loss, Dictionary<string, Tensor> Grads) LossAndGradients(bool checkpointing)
    {
        var model = Model();
        model.Model.GradientCheckpointing = checkpointing;
        var ids = FromArray(Ids, 2, 8);
        var mask = FromArray(Mask, 2, 8);
        var (lp, ent) = LogProbs.ComputeMasked(model, ids, mask, mask);
        var loss = -(lp.Sum() + ent.Sum() * 0.1);
        loss.Backward();
        var grads = model.NamedParameters().ToDictionary(p => p.Name, p => p.Param.Grad!.DetachFromScope());
        var value = loss.ToArray<float>()[0];
        model.Dispose();
        return (value, grads);
    }

    [Fact]
    public void Gradients_with_checkpointing_equal_the_ordinary_backward()
    {
        using var scope = NewScope();
        var (plainLoss, plain) = LossAndGradients(checkpointing: false);
        var (checkpointedLoss, checkpointed) = LossAndGradients(checkpointing: true);
        Assert.Equal(plainLoss, checkpointedLoss);
        Assert.Equal(plain.Keys.Order(), checkpointed.Keys.Order());
        foreach (var (name, g) in plain)
        {
            AssertClose(g.To(DType.Float64).Contiguous().ToArray<double>(), checkpointed[name], rtol: 1e-6, atol: 1e-6, what: name);
            Assert.True(g.Abs().Sum().ToArray<float>()[0] > 0, $"{name} got no gradient: the comparison would be empty");
        }
        foreach (var g in plain.Values.Concat(checkpointed.Values))
        {
            g.Dispose();
        }
    }
}
