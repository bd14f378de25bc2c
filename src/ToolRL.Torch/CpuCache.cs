using System.Runtime.InteropServices;
using ToolRL.Torch.Native;

namespace ToolRL.Torch;

/// <summary>
/// The bridge's caching allocator for large CPU tensor buffers (native/src/cpu_cache.cpp, docs/allocator.md).
/// Buffers of 1 MiB and more are kept when their tensor dies and handed out again to the next request of a
/// similar size, so a training loop does not map, fault in and unmap the same activations every step. It is
/// installed when the bridge loads unless the environment variable <c>TOOLRL_MALLOC=system</c> or
/// <c>TOOLRL_CPU_CACHE_MB=0</c> is set; <c>TOOLRL_CPU_CACHE_MB=n</c> caps the cached bytes at n MiB (default:
/// a quarter of physical memory).
/// </summary>
public static class CpuCache
{
    /// <summary>Whether libtorch's CPU allocator is this cache (false when disabled by the environment).</summary>
    public static bool IsActive => trl_cpu_cache_active() != 0;

    /// <summary>A snapshot of the cache's counters.</summary>
    public static unsafe CpuCacheStatistics Statistics
    {
        get
        {
            var values = stackalloc long[CpuCacheStatistics.NativeCount];
            trl_cpu_cache_stats(values, CpuCacheStatistics.NativeCount);
            return CpuCacheStatistics.FromNative(new ReadOnlySpan<long>(values, CpuCacheStatistics.NativeCount));
        }
    }

    /// <summary>Bytes currently held by the cache (freed buffers waiting to be reused).</summary>
    public static long CachedBytes => Statistics.CachedBytes;

    /// <summary>
    /// The cap on cached bytes. Lowering it evicts the least recently cached buffers beyond it; 0 stops caching
    /// (every large buffer is freed when its tensor dies). Has no effect while <see cref="IsActive"/> is false.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public static long LimitBytes
    {
        get => Statistics.LimitBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            NativeMethods.Check(trl_cpu_cache_set_limit(value));
        }
    }

    /// <summary>
    /// Returns every cached buffer to the C library (for large buffers that means to the operating system), e.g.
    /// between a memory-hungry phase and a long idle one. Buffers in use are not affected.
    /// </summary>
    /// <returns>The number of bytes released.</returns>
    public static long EmptyCache() => trl_cpu_cache_empty();

    [DllImport(NativeMethods.Lib)] private static extern int trl_cpu_cache_active();
    [DllImport(NativeMethods.Lib)] private static extern unsafe void trl_cpu_cache_stats(long* output, int count);
    [DllImport(NativeMethods.Lib)] private static extern long trl_cpu_cache_empty();
    [DllImport(NativeMethods.Lib)] private static extern int trl_cpu_cache_set_limit(long bytes);
}

/// <summary>Counters of <see cref="CpuCache"/>, read together.</summary>
/// <param name="LimitBytes">The cap on cached bytes (0: not caching).</param>
/// <param name="CachedBytes">Bytes held by the cache, waiting to be reused.</param>
/// <param name="CachedBlocks">Number of buffers held by the cache.</param>
/// <param name="Hits">Large requests served from the cache since the process started.</param>
/// <param name="Misses">Large requests that had to allocate a new buffer while caching was on.</param>
/// <param name="EvictedBlocks">Buffers freed instead of kept: beyond the cap, or unused for a long time.</param>
/// <param name="LiveBytes">Bytes of large buffers currently in use by tensors (rounded to the cache's size classes).</param>
public readonly record struct CpuCacheStatistics(
    long LimitBytes, long CachedBytes, long CachedBlocks, long Hits, long Misses, long EvictedBlocks, long LiveBytes)
{
    /// <summary>Number of values trl_cpu_cache_stats writes (the order of the parameters above).</summary>
    internal const int NativeCount = 7;

    internal static CpuCacheStatistics FromNative(ReadOnlySpan<long> v) => new(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
}
