using ToolRL.Distributed;
using ToolRL.Torch;
using ToolRL.Torch.NN;

namespace ToolRL.Tests.Distributed;

/// <summary>The single-process pieces of data-parallel training: how prompts split over ranks, and the float64 gradient sum.</summary>
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
    public void TheFloat64SumDoesNotDependOnHowMicroBatchesAreGrouped()
    {
        // Element 0 in float32: (3 + 1e8) - 1e8 = 0, but 3 + (1e8 - 1e8) = 3: the order of a float32 sum decides.
        // The float64 sum is exact whatever the order, so it gives 3 (what 2 ranks summing (3) + (1e8 - 1e8) get).
        float[][] micro = [[3f, 1f], [1e8f, 3f], [-1e8f, -1e8f]];
        using var scope = torch.NewScope();
        var p = new Parameter(torch.Zeros([2]));
        using var accumulator = new GradientAccumulator([p]);
        foreach (var g in micro)
        {
            p.SetGrad(torch.FromArray(g));
            accumulator.Accumulate();
            Assert.Null(p.Grad);
        }
        accumulator.AllReduce(group: null);
        Assert.Equal([3f, -1e8f + 4f], p.Grad!.ToArray<float>());
        Assert.Equal(1, accumulator.BucketCount);

        // The next optimizer step starts from zero.
        p.SetGrad(torch.FromArray([1f, 2f]));
        accumulator.Accumulate();
        accumulator.AllReduce(group: null);
        Assert.Equal([1f, 2f], p.Grad!.ToArray<float>());
    }

    [Fact]
    public void ZeroOneDealsParametersLargestFirstToTheLeastLoadedRank()
    {
        // Sizes 10, 7, 6, 3, 1 over 2 ranks: 10 → 0; 7 → 1; 6 → 1 (load 7 < 10); 3 → 0 (10 < 13); 1 → 0 (13 = 13: the lower rank).
        Assert.Equal([0, 1, 1, 0, 0], OptimizerShards.Assign([10, 7, 6, 3, 1], 2));
        Assert.Equal([0, 0, 0], OptimizerShards.Assign([5, 4, 3], 1));
        Assert.Equal([0, 1, 2], OptimizerShards.Assign([9, 8, 7], 3));
    }
}
