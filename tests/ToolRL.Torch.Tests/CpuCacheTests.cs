using System.Runtime.InteropServices;

namespace ToolRL.Torch.Tests;

/// <summary>
/// The caching CPU allocator (native/src/cpu_cache.cpp): large buffers are reused instead of mapped and unmapped,
/// the cap is kept by evicting, EmptyCache gives memory back, and reused (dirty) buffers give exact results. The
/// counters and the C library's accounting are process-wide, so these tests run alone (no parallel tests).
/// </summary>
[Collection(CpuCacheCollection.Name)]
public sealed class CpuCacheTests
{
    private const long MiB = 1L << 20;
    /// <summary>48 MiB of float32: above glibc's largest mmap threshold (32 MiB), so uncached it is a fresh mmap.</summary>
    private const long LargeElements = 12L << 20;

    [Fact]
    public async Task RepeatedLargeTensorOnAThreadPoolThreadIsReusedWithoutGrowingMemory()
    {
        Assert.True(CpuCache.IsActive, "the tests run without TOOLRL_MALLOC=system, so the cache must be installed");
        // Thread-pool threads allocate from non-main glibc arenas, where process-wide malloc tuning made the heap
        // grow on every cycle; the cache must not depend on the arena.
        await Task.Run(() =>
        {
            Assert.True(Thread.CurrentThread.IsThreadPoolThread);
            AllocateAndFree(LargeElements, 1); // warm-up: the block enters the cache
            var before = CpuCache.Statistics;
            var mallocBefore = MallocBytes();
            var rssBefore = ResidentBytes();

            AllocateAndFree(LargeElements, 5);

            var after = CpuCache.Statistics;
            Assert.Equal(before.Misses, after.Misses);
            Assert.Equal(before.Hits + 5, after.Hits);
            // Without reuse each cycle would map (and fault in) 48 MiB anew; with the WIP mallopt tuning the arena
            // grew by ~40 MiB per cycle. Allow a few MiB of unrelated noise, far below one buffer.
            Assert.InRange(MallocBytes() - mallocBefore, long.MinValue, 8 * MiB);
            Assert.InRange(ResidentBytes() - rssBefore, long.MinValue, 16 * MiB);
        });
    }

    [Fact]
    public void CapIsKeptByEvictingTheLeastRecentlyCachedBlock()
    {
        var savedLimit = CpuCache.LimitBytes;
        try
        {
            CpuCache.EmptyCache();
            CpuCache.LimitBytes = 10 * MiB;
            var before = CpuCache.Statistics;
            // Three 4 MiB buffers freed in turn: the third does not fit under 10 MiB beside the first two, so the
            // one cached first is evicted.
            var tensors = Enumerable.Range(0, 3).Select(_ => torch.Empty([MiB])).ToList();
            foreach (var t in tensors)
            {
                t.Dispose();
            }
            var cached = CpuCache.Statistics;
            Assert.Equal(8 * MiB, cached.CachedBytes);
            Assert.Equal(2, cached.CachedBlocks);
            Assert.Equal(before.EvictedBlocks + 1, cached.EvictedBlocks);

            // Two requests are served from the cache, the third needs a new buffer.
            using (torch.Empty([MiB]))
            using (torch.Empty([MiB]))
            using (torch.Empty([MiB]))
            {
                var reused = CpuCache.Statistics;
                Assert.Equal(cached.Hits + 2, reused.Hits);
                Assert.Equal(cached.Misses + 1, reused.Misses);
                Assert.Equal(0, reused.CachedBytes);
            }

            // Lowering the cap evicts down to it at once.
            CpuCache.LimitBytes = 4 * MiB;
            Assert.Equal(4 * MiB, CpuCache.CachedBytes);
            Assert.Throws<ArgumentOutOfRangeException>(() => CpuCache.LimitBytes = -1);
        }
        finally
        {
            CpuCache.LimitBytes = savedLimit;
        }
    }

    [Fact]
    public void AMissEvictsCachedBlocksThatWouldPushTheFootprintBeyondAQuarterOverThePeak()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers(); // other tests' large tensors must not count as in use
        CpuCache.EmptyCache(); // also restarts the peak in use from what is in use now
        AllocateAndFree(5 * MiB, 1); // 20 MiB cached; the peak in use is 20 MiB
        var before = CpuCache.Statistics;
        Assert.Equal(20 * MiB, before.CachedBytes);

        // 8 MiB cannot use the 20 MiB block (more than twice its size); keeping it would make the footprint
        // 28 MiB > 1.25 * 20 MiB, so it is freed to make room.
        using (torch.Empty([2 * MiB]))
        {
            var after = CpuCache.Statistics;
            Assert.Equal(before.Misses + 1, after.Misses);
            Assert.Equal(before.EvictedBlocks + 1, after.EvictedBlocks);
            Assert.Equal(0, after.CachedBytes);
        }

        // 16 MiB can (at most twice as small): a hit, nothing evicted.
        CpuCache.EmptyCache();
        AllocateAndFree(5 * MiB, 1);
        var hits = CpuCache.Statistics.Hits;
        AllocateAndFree(4 * MiB, 1);
        Assert.Equal(hits + 1, CpuCache.Statistics.Hits);
        Assert.Equal(20 * MiB, CpuCache.CachedBytes);
    }

    [Fact]
    public void EmptyCacheReturnsTheBlocksToTheSystem()
    {
        CpuCache.EmptyCache();
        AllocateAndFree(LargeElements, 2);
        var cached = CpuCache.CachedBytes;
        Assert.Equal(48 * MiB, cached);
        var mappedBefore = MallInfo().hblkhd;

        Assert.Equal(cached, CpuCache.EmptyCache());

        Assert.Equal(0, CpuCache.CachedBytes);
        // glibc serves 48 MiB blocks with mmap, so releasing the block unmaps it.
        Assert.True((long)mappedBefore - (long)MallInfo().hblkhd >= 48 * MiB,
            $"mapped bytes went from {mappedBefore} to {MallInfo().hblkhd}");
    }

    [Fact]
    public void ReusedDirtyBuffersGiveTheSameResultsAsFreshOnes()
    {
        const long n = 1L << 18; // 2 MiB of float64 per tensor
        var savedLimit = CpuCache.LimitBytes;
        try
        {
            CpuCache.LimitBytes = 0; // reference: every buffer freshly allocated
            var fresh = Compute(n);

            CpuCache.LimitBytes = savedLimit;
            CpuCache.EmptyCache();
            // Fill the cache with NaN-filled buffers of the sizes Compute asks for.
            var dirty = Enumerable.Range(0, 8).Select(_ => torch.Full([n], double.NaN, DType.Float64)).ToList();
            dirty.ForEach(t => t.Dispose());
            Assert.Equal(8, CpuCache.Statistics.CachedBlocks);
            var hitsBefore = CpuCache.Statistics.Hits;
            var reused = Compute(n);
            Assert.True(CpuCache.Statistics.Hits >= hitsBefore + 6, "Compute must have run on cached buffers");

            // Independent closed forms: sum(2x + 1) over x = 0..n-1 is n^2, zeros sum to 0, ones to n.
            Assert.Equal((double)n * n, reused.LinearSum);
            Assert.Equal(0.0, reused.ZerosSum);
            Assert.Equal((double)n, reused.OnesSum);
            Assert.Equal(fresh.CumSum, reused.CumSum);
            Assert.Equal(fresh.Softmax, reused.Softmax);
        }
        finally
        {
            CpuCache.LimitBytes = savedLimit;
        }
    }

    private sealed record Results(double LinearSum, double ZerosSum, double OnesSum, double[] CumSum, double[] Softmax);

    private static Results Compute(long n)
    {
        using var scope = torch.NewScope();
        var x = torch.Arange(0, n, 1, DType.Float64);
        var linear = x * 2 + 1;
        var scaled = (x / n).Reshape(512, n / 512);
        return new Results(
            linear.Sum().ItemDouble(),
            torch.Zeros([n], DType.Float64).Sum().ItemDouble(),
            torch.Ones([n], DType.Float64).Sum().ItemDouble(),
            scaled.CumSum(1).ToArray<double>(),
            scaled.Softmax(1).ToArray<double>());
    }

    private static void AllocateAndFree(long elements, int times)
    {
        for (var i = 0; i < times; i++)
        {
            using var buffer = torch.Empty([elements]);
            Assert.Equal(elements, buffer.Shape[0]);
        }
    }

    /// <summary>Bytes glibc holds for the program: heap arenas plus mapped blocks.</summary>
    private static long MallocBytes()
    {
        var info = MallInfo();
        return (long)(info.arena + info.hblkhd);
    }

    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
#pragma warning disable IDE1006 // glibc's field names (struct mallinfo2), so the mapping reads against malloc.h
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
#pragma warning restore IDE1006
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();
}

/// <summary>The cache's counters and the C library's accounting are process-wide: no tensor tests run beside these.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CpuCacheCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "cpu cache";
}
