using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The gradient reducer on one rank (the sum over ranks is gloo's, checked in <see cref="DistributedTests"/> and by the
/// 2-rank training runs): hooks sum micro-batch gradients exactly in float64, buckets follow the size cap, and a
/// parameter no backward reached keeps no gradient.
/// </summary>
public sealed class GradientReducerTests
{
    [Fact]
    public void MicroBatchGradientsSumExactlyInFloat64WhateverTheGrouping()
    {
        // Element 0 in float32: (3 + 1e8) - 1e8 = 0, but 3 + (1e8 - 1e8) = 3: the order of a float32 sum decides.
        // The float64 sum is exact whatever the order, so it gives 3 (what 2 ranks summing (3) + (1e8 - 1e8) get).
        using var group = OneRank();
        using var scope = torch.NewScope();
        var p = new Parameter(torch.Zeros([2]));
        using var reducer = new GradientReducer(group, [p]);
        float[][] micro = [[3f, 1f], [1e8f, 3f], [-1e8f, -1e8f]];
        for (var k = 0; k < micro.Length; k++)
        {
            reducer.Prepare(lastMicroBatch: k == micro.Length - 1);
            (p * torch.FromArray(micro[k])).Sum().Backward();
        }
        reducer.Finish();
        Assert.Equal([3f, -1e8f + 4f], p.Grad!.ToArray<float>());
        Assert.Equal(1, reducer.BucketCount);

        // The next optimizer step starts from zero.
        p.ZeroGrad();
        reducer.Prepare(lastMicroBatch: true);
        (p * torch.FromArray([1f, 2f])).Sum().Backward();
        reducer.Finish();
        Assert.Equal([1f, 2f], p.Grad!.ToArray<float>());
    }

    [Fact]
    public void BucketsCloseAtTheCapAndAnUnreachedParameterKeepsNoGradient()
    {
        using var group = OneRank();
        using var scope = torch.NewScope();
        var a = new Parameter(torch.Zeros([4]));
        var b = new Parameter(torch.Zeros([4]));
        var unused = new Parameter(torch.Zeros([4]));
        // Filled in reverse order: unused (32 bytes, under the 40-byte cap), then b closes the bucket at 64; a opens the next.
        using var reducer = new GradientReducer(group, [a, b, unused], overlap: true, bucketBytes: 40);
        Assert.Equal(2, reducer.BucketCount);
        reducer.Prepare(lastMicroBatch: true);
        (a * 2 + b * 3).Sum().Backward();
        reducer.Finish();
        Assert.Equal([2f, 2f, 2f, 2f], a.Grad!.ToArray<float>());
        Assert.Equal([3f, 3f, 3f, 3f], b.Grad!.ToArray<float>());
        Assert.Null(unused.Grad);

        // Zero() drops a backward's contribution before the step.
        reducer.Prepare(lastMicroBatch: false);
        (a * 5).Sum().Backward();
        reducer.Zero();
        reducer.Prepare(lastMicroBatch: true);
        (a * 7).Sum().Backward();
        reducer.Finish();
        Assert.Equal([7f, 7f, 7f, 7f], a.Grad!.ToArray<float>());
        Assert.Null(b.Grad);
    }

    private static ProcessGroup OneRank() =>
        ProcessGroup.Create(TcpStore.Host(0, TimeSpan.FromSeconds(30)), 0, 1, DistributedBackend.Gloo, TimeSpan.FromSeconds(30), "127.0.0.1");
}
