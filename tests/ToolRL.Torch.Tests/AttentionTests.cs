using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The fused attention's causal alignment for KV-cache decoding: the newest T queries against S cached keys
/// must equal the last T rows of full causal attention over all S tokens (values checked against
/// python3-torch in OpFixtureTests).
/// </summary>
public sealed class AttentionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void NewestQueriesAgainstTheCacheMatchTheLastRowsOfFullAttention(long newest)
    {
        using var scope = torch.NewScope();
        using var g = new Generator(11);
        var q = torch.Randn([2, 6, 5, 4], g);
        var k = torch.Randn([2, 3, 5, 4], g);
        var v = torch.Randn([2, 3, 5, 4], g);
        var full = Functional.Attention(q, k, v, null, causal: true);
        var tail = Functional.Attention(q.Narrow(2, 5 - newest, newest), k, v, null, causal: true);
        Assert.True(tail.AllClose(full.Narrow(2, 5 - newest, newest), 1e-5, 1e-6));
    }

    [Fact]
    public void GroupedHeadsEqualExplicitlyRepeatedKeysAndValues()
    {
        using var scope = torch.NewScope();
        using var g = new Generator(12);
        var q = torch.Randn([1, 4, 3, 8], g);
        var k = torch.Randn([1, 2, 3, 8], g);
        var v = torch.Randn([1, 2, 3, 8], g);
        var grouped = Functional.Attention(q, k, v, null, causal: true);
        var repeated = Functional.Attention(q, k.RepeatInterleave(2, 1), v.RepeatInterleave(2, 1), null, causal: true);
        Assert.True(grouped.AllClose(repeated, 1e-6, 1e-7));
    }

    [Fact]
    public void FullyMaskedPaddingRowsStayFinite()
    {
        using var scope = torch.NewScope();
        var q = torch.Ones([1, 1, 2, 4]);
        var k = torch.Ones([1, 1, 2, 4]);
        var v = torch.Ones([1, 1, 2, 4]);
        var nothing = torch.Zeros([1, 1, 1, 2], DType.Bool);
        var o = Functional.Attention(q, k, v, nothing, causal: true);
        Assert.True(o.IsFinite().All().Item<bool>());
    }
}
