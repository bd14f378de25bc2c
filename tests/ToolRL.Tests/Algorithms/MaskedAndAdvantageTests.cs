using ToolRL.Algorithms;
using ToolRL.Torch;
using static ToolRL.Tests.Algorithms.AlgorithmFixtures;

namespace ToolRL.Tests.Algorithms;

public class MaskedAndAdvantageTests
{
    [Fact]
    public void MaskedReductionsMatchReference()
    {
        using var scope = torch.NewScope();
        var f = Get("masked");
        var x = Tensor(f["values"]!);
        var m = Tensor(f["mask"]!);
        AssertClose(Number(f["sum"]!), Masked.Sum(x, m).ItemDouble());
        AssertClose(Number(f["mean"]!), Masked.Mean(x, m).ItemDouble());
        AssertClose(Number(f["var_unbiased"]!), Masked.Var(x, m).ItemDouble());
        AssertClose(Number(f["var_biased"]!), Masked.Var(x, m, unbiased: false).ItemDouble());
        AssertClose(f["whiten"]!, Masked.Whiten(x, m));
        AssertClose(f["whiten_no_shift"]!, Masked.Whiten(x, m, shiftMean: false));
    }

    [Fact]
    public void BooleanMaskActsAsWeights()
    {
        using var scope = torch.NewScope();
        var f = Get("masked");
        var x = Tensor(f["values"]!);
        var m = Tensor(f["mask"]!).Gt(0.5);
        Assert.Equal(DType.Bool, m.DType);
        AssertClose(Number(f["mean"]!), Masked.Mean(x, m).ItemDouble());
    }

    [Fact]
    public void OutcomeRewardSitsOnLastValidToken()
    {
        using var scope = torch.NewScope();
        var f = Get("outcome_placement");
        AssertClose(f["token_rewards"]!, OutcomeReward.PlaceOnLastToken(Tensor(f["scores"]!), Tensor(f["mask"]!)));
    }

    [Fact]
    public void GrpoAdvantagesMatchReference()
    {
        using var scope = torch.NewScope();
        foreach (var f in Get("grpo").AsArray())
        {
            var advantages = GrpoAdvantage.Compute(Tensor(f!["token_rewards"]!), Tensor(f["mask"]!), Longs(f["groups"]!),
                Number(f["epsilon"]!), f["norm_by_std"]!.GetValue<bool>());
            AssertClose(f["advantages"]!, advantages);
        }
    }

    [Fact]
    public void GrpoDocumentedTestVector()
    {
        // verl compute_grpo_outcome_advantage: rewards [1, 0, 0, 1] → ±0.5 / (unbiased std 0.57735 + 1e-6) = ±0.86602; Dr.GRPO (no std) ±0.5.
        var scores = new double[] { 1, 0, 0, 1 };
        long[] group = [7, 7, 7, 7];
        var expected = new[] { 0.86602, -0.86602, -0.86602, 0.86602 };
        var actual = GrpoAdvantage.SequenceAdvantages(scores, group);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
        Assert.Equal([0.5, -0.5, -0.5, 0.5], GrpoAdvantage.SequenceAdvantages(scores, group, normalizeByStd: false));
        Assert.Equal([0.0], GrpoAdvantage.SequenceAdvantages([3.0], [1]));
    }

    [Fact]
    public void GrpoRefusesMismatchedGroupIds()
    {
        using var scope = torch.NewScope();
        var e = Assert.Throws<ArgumentException>(() => GrpoAdvantage.Compute(torch.Zeros([3, 2]), torch.Ones([3, 2]), [0, 0]));
        Assert.Contains("one group id per response", e.Message);
    }

    [Fact]
    public void GaeMatchesReference()
    {
        using var scope = torch.NewScope();
        foreach (var f in Get("gae").AsArray())
        {
            var rewards = Tensor(f!["rewards"]!);
            var values = Tensor(f["values"]!);
            var mask = Tensor(f["mask"]!);
            var (gamma, lam) = (Number(f["gamma"]!), Number(f["lam"]!));
            var whitened = Gae.Compute(rewards, values, mask, gamma, lam);
            AssertClose(f["advantages_whitened"]!, whitened.Advantages);
            AssertClose(f["returns"]!, whitened.Returns);
            AssertClose(f["advantages_raw"]!, Gae.Compute(rewards, values, mask, gamma, lam, whiten: false).Advantages);
        }
    }

    [Fact]
    public void GaeKeepsDtypeForFloat32()
    {
        using var scope = torch.NewScope();
        var f = Get("gae")[1]!;
        var result = Gae.Compute(Tensor(f["rewards"]!, DType.Float32), Tensor(f["values"]!, DType.Float32), Tensor(f["mask"]!, DType.Float32),
            Number(f["gamma"]!), Number(f["lam"]!));
        Assert.Equal(DType.Float32, result.Advantages.DType);
        AssertClose(f["returns"]!, result.Returns, 1e-5);
    }
}
