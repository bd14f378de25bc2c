using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ToolRL.Torch.Native;

/// <summary>
/// Finds libtoolrl_torch.so: the file named by <see cref="OverrideVariable"/> if set (a bridge the user rebuilt
/// against their own libtorch, e.g. CUDA), else beside this assembly (the build copies it into every
/// referencing project's output), then under runtimes/linux-x64/native (NuGet layout of a consuming app's
/// output), then the system's search path.
/// </summary>
internal static class NativeLoader
{
    /// <summary>Environment variable naming a bridge library to load instead of the packaged one.</summary>
    internal const string OverrideVariable = "TOOLRL_TORCH_BRIDGE";

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
        if (Environment.GetEnvironmentVariable(OverrideVariable) is { Length: > 0 } chosen)
        {
            return LoadOverride(chosen);
        }
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

    // An explicit choice never falls back silently to another bridge: a wrong path must be visible.
    private static IntPtr LoadOverride(string path)
    {
        if (!File.Exists(path))
        {
            throw new DllNotFoundException(
                $"{OverrideVariable}={path}: no such file. Point it at the libtoolrl_torch.so you built (cmake --build ...), or unset it " +
                "to use the bridge shipped with ToolRL.Torch.");
        }
        try
        {
            return NativeLibrary.Load(Path.GetFullPath(path));
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException(
                $"{OverrideVariable}={path} could not be loaded ({e.Message}). Its libtorch libraries were not found: add your " +
                "libtorch's lib folder to LD_LIBRARY_PATH.", e);
        }
    }
}
