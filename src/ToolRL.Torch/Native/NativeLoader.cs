using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ToolRL.Torch.Native;

/// <summary>
/// Finds libtoolrl_torch.so: beside this assembly (the build copies it into every referencing project's
/// output), then under runtimes/linux-x64/native (NuGet layout), then the system's search path.
/// </summary>
internal static class NativeLoader
{
#pragma warning disable CA2255 // The resolver must be in place before the first P/Invoke of this library.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != NativeMethods.Lib)
        {
            return IntPtr.Zero;
        }
        var file = "lib" + NativeMethods.Lib + ".so";
        var roots = new[] { Path.GetDirectoryName(assembly.Location), AppContext.BaseDirectory }
            .Where(d => !string.IsNullOrEmpty(d)).Distinct();
        foreach (var root in roots)
        {
            foreach (var candidate in new[] { Path.Combine(root!, file), Path.Combine(root!, "runtimes", "linux-x64", "native", file) })
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }
                if (NativeLibrary.TryLoad(candidate, out var handle))
                {
                    return handle;
                }
                try
                {
                    return NativeLibrary.Load(candidate);
                }
                catch (DllNotFoundException e)
                {
                    throw new DllNotFoundException(
                        $"{candidate} exists but could not be loaded ({e.Message}). Its libtorch libraries were not found: " +
                        "run eng/setup.sh (Debian libtorch), or rebuild against your libtorch with Torch_DIR set and make its lib folder " +
                        "visible (LD_LIBRARY_PATH).", e);
                }
            }
        }
        return NativeLibrary.TryLoad(file, assembly, searchPath, out var fallback)
            ? fallback
            : throw new DllNotFoundException(
                $"{file} was not found beside {assembly.Location} nor under runtimes/linux-x64/native. It is built by `dotnet build` of " +
                "src/ToolRL.Torch (needs libtorch: run eng/setup.sh, or set Torch_DIR to your libtorch's share/cmake/Torch).");
    }
}
