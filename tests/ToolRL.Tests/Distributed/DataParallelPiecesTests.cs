using ToolRL.Distributed;

namespace ToolRL.Tests.Distributed;

/// <summary>The single-process pieces of data-parallel training: how prompts and micro-batches split over ranks, how ZeRO-1 deals parameters.</summary>
public sealed class DataParallelPiecesTests
{
    [Theory]
    [InlineData(10, 3, new[] { 0, 4, 4, 3, 7, 3 })]
    [InlineData(2, 4, new[] { 0, 1, 1, 1, 2, 0, 2, 0 })]
    [InlineData(8, 1, new[] { 0, 8 })]
    public void PromptsSplitContiguouslyWithTheRemainderOnTheFirstRanks(int total, int world, int[] expected)
    {
        var shares = Enumerable.Range(0, world).SelectMany(r => { var (s, c) = RankShare.Of(total, r, world); return new[] { s, c }; });
        Assert.Equal(expected, shares);
    }

    [Fact]
    public void PromptSeedsDependOnTheCallSeedAndIndexOnly()
    {
        Assert.Equal(DataParallelPolicy.PromptSeed(7, 3), DataParallelPolicy.PromptSeed(7, 3));
        var seeds = Enumerable.Range(0, 1000).Select(i => DataParallelPolicy.PromptSeed(123_456, i)).ToList();
        Assert.Equal(seeds.Count, seeds.Distinct().Count());
        Assert.All(seeds, s => Assert.True(s >= 0));
        Assert.NotEqual(DataParallelPolicy.PromptSeed(1, 0), DataParallelPolicy.PromptSeed(2, 0));
    }

    [Fact]
    public void MicroBatchesAreDealtRoundRobin()
    {
        Assert.Equal([0, 1, 2, 3, 4], RankShare.RoundRobin(5, group: null));
        using var store = ToolRL.Torch.Distributed.TcpStore.Host(0, TimeSpan.FromSeconds(30));
        using var group = ToolRL.Torch.Distributed.ProcessGroup.Create(store, 0, 1, ToolRL.Torch.Distributed.DistributedBackend.Gloo, TimeSpan.FromSeconds(30), "127.0.0.1");
        Assert.Equal([0, 1, 2], RankShare.RoundRobin(3, group));
    }

    [Fact]
    public void ZeroOneCutsTheFlatParametersIntoEqualRangesSplittingTensors()
    {
        // Sizes 10, 7, 6, 3, 1 (27 elements) over 2 ranks: [0, 14) and [14, 27); the 7-element tensor straddles the cut.
        Assert.Equal(
            [new ShardPiece(0, 0, 10, 0), new ShardPiece(1, 0, 4, 0), new ShardPiece(1, 4, 3, 1), new ShardPiece(2, 0, 6, 1), new ShardPiece(3, 0, 3, 1), new ShardPiece(4, 0, 1, 1)],
            OptimizerShards.Split([10, 7, 6, 3, 1], 2));
        // One big tensor (a tied embedding) is shared by every rank: 12 elements over 3 ranks, 4 each.
        Assert.Equal([new ShardPiece(0, 0, 4, 0), new ShardPiece(0, 4, 4, 1), new ShardPiece(0, 8, 2, 2), new ShardPiece(1, 0, 2, 2)],
            OptimizerShards.Split([10, 2], 3));
        // More ranks than elements: the last ranks hold nothing.
        Assert.Equal([new ShardPiece(0, 0, 1, 0), new ShardPiece(1, 0, 1, 1)], OptimizerShards.Split([1, 1], 4));
    }
}
