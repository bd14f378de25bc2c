using System.Runtime.InteropServices;

namespace ToolRL.Torch.Native;

/// <summary>
/// The allocator callback the bridge uses for results of unknown length (strings, tensor lists): the native
/// side asks for a buffer, fills it, and returns the count; the managed caller then copies out and frees.
/// The buffer is remembered per thread, so nested or concurrent calls on other threads do not interfere.
/// </summary>
internal static unsafe class NativeAllocator
{
    [ThreadStatic] private static IntPtr _lastBuffer;

    internal static delegate* unmanaged<long, IntPtr> Callback => &Allocate;

    [UnmanagedCallersOnly]
    private static IntPtr Allocate(long bytes)
    {
        Free();
        _lastBuffer = (IntPtr)NativeMemory.Alloc((nuint)Math.Max(bytes, 1));
        return _lastBuffer;
    }

    /// <summary>Takes the last buffer handed out on this thread (the caller must <see cref="Release"/> it).</summary>
    internal static IntPtr Take()
    {
        var p = _lastBuffer;
        _lastBuffer = IntPtr.Zero;
        return p;
    }

    internal static void Release(IntPtr p)
    {
        if (p != IntPtr.Zero)
        {
            NativeMemory.Free((void*)p);
        }
    }

    private static void Free()
    {
        Release(_lastBuffer);
        _lastBuffer = IntPtr.Zero;
    }

    /// <summary>Runs a string-returning native function and decodes its UTF-8 result.</summary>
    internal static string ReadString(Func<IntPtr, int> call)
    {
        var length = call(IntPtr.Zero);
        var buffer = Take();
        try
        {
            NativeMethods.Check(length);
            return length == 0 ? string.Empty : Marshal.PtrToStringUTF8(buffer, length);
        }
        finally
        {
            Release(buffer);
        }
    }

    /// <summary>Reads <paramref name="count"/> handles the native side wrote into the last buffer.</summary>
    internal static IntPtr[] ReadHandles(int count)
    {
        var buffer = Take();
        try
        {
            NativeMethods.Check(count);
            var result = new IntPtr[count];
            new ReadOnlySpan<IntPtr>((void*)buffer, count).CopyTo(result);
            return result;
        }
        finally
        {
            Release(buffer);
        }
    }

}
