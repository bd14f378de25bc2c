using System.Runtime.InteropServices;

namespace ToolRL.Torch.Native;

/// <summary>P/Invoke declarations of the c10d bridge (native/src/distributed.cpp).</summary>
internal static unsafe partial class NativeMethods
{
    [DllImport(Lib)] internal static extern int trl_dist_available();
    [DllImport(Lib)] internal static extern IntPtr trl_dist_store_new(byte* host, int port, int isServer, long timeoutMs);
    [DllImport(Lib)] internal static extern int trl_dist_store_port(IntPtr store);
    [DllImport(Lib)] internal static extern void trl_dist_store_free(IntPtr store);
    [DllImport(Lib)] internal static extern IntPtr trl_dist_group_new(IntPtr store, int rank, int size, int backend, long timeoutMs, long joinTimeoutMs, byte* glooAddress);
    [DllImport(Lib)] internal static extern void trl_dist_group_free(IntPtr group);
    [DllImport(Lib)] internal static extern int trl_dist_all_reduce(IntPtr group, IntPtr t, int op);
    [DllImport(Lib)] internal static extern int trl_dist_broadcast(IntPtr group, IntPtr t, int root);
    [DllImport(Lib)] internal static extern IntPtr trl_dist_all_gather(IntPtr group, IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr trl_dist_reduce_scatter(IntPtr group, IntPtr t, int op);
    [DllImport(Lib)] internal static extern int trl_dist_barrier(IntPtr group);
    [DllImport(Lib)] internal static extern IntPtr trl_dist_reducer_new(IntPtr group, IntPtr* parameters, int n, long bucketBytes, int overlap);
    [DllImport(Lib)] internal static extern int trl_dist_reducer_buckets(IntPtr reducer);
    [DllImport(Lib)] internal static extern int trl_dist_reducer_prepare(IntPtr reducer, int sync);
    [DllImport(Lib)] internal static extern int trl_dist_reducer_finish(IntPtr reducer);
    [DllImport(Lib)] internal static extern int trl_dist_reducer_zero(IntPtr reducer);
    [DllImport(Lib)] internal static extern void trl_dist_reducer_free(IntPtr reducer);
}
