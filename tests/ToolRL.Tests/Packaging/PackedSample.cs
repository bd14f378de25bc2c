using System.IO.Compression;
using System.Xml.Linq;
using ToolRL.Testing;

namespace ToolRL.Tests.Packaging;

/// <summary>
/// Packs the repository once (as the docs say: <c>dotnet pack ToolRL.sln -c Release -o artifacts/packages</c>, from
/// the build `test.sh` just made), then consumes the fresh packages the way a user does: the CustomReward sample is
/// copied out of the repository, its nuget.config pointed at the feed, restored into an isolated
/// NUGET_PACKAGES cache (so a stale cached ToolRL 0.1.0 can never be used), built and run; the toolrl tool
/// is installed from the same feed and run; the file-based scripts of samples/scripts run (<see cref="Script"/>)
/// in a copy of the repository's layout. Everything lives in one temporary folder, deleted afterwards.
/// </summary>
public sealed class PackedSample : IDisposable
{
    private readonly Dictionary<string, Lazy<ProcessResult>> _scripts = [];
    private readonly Dictionary<string, string> _environment;

    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    /// <summary>The relative feed path in the sample's nuget.config (the pack output of docs/packaging.md).</summary>
    public const string SampleFeedValue = "../../artifacts/packages";

    /// <summary>Training steps the sample is asked to run.</summary>
    public const int Steps = 2;

    public PackedSample()
    {
        Root = Directory.CreateTempSubdirectory("toolrl-packaging-").FullName;
        // The repository's layout: the scripts' nuget.config points at ../../artifacts/packages as it is.
        Feed = Path.Combine(Root, "artifacts", "packages");
        PackagesCache = Path.Combine(Root, "nuget-packages");
        SampleDir = Path.Combine(Root, "CustomReward");
        Version = RepoVersion();
        var environment = _environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = PackagesCache,
            ["NUGET_HTTP_CACHE_PATH"] = Path.Combine(Root, "nuget-http-cache"),
        };

        Pack = Dotnet(["pack", TestPaths.InRepo("ToolRL.sln"), "-c", Configuration, "--no-build", "-nologo", "-o", Feed], TestPaths.RepoRoot, environment)
            .EnsureSuccess();

        CopySample(TestPaths.InRepo("samples", "CustomReward"), SampleDir);
        var config = Path.Combine(SampleDir, "nuget.config");
        var text = File.ReadAllText(config);
        if (!text.Contains($"\"{SampleFeedValue}\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{config} no longer points at {SampleFeedValue}; update the test with the sample.");
        }
        File.WriteAllText(config, text.Replace($"\"{SampleFeedValue}\"", $"\"{Feed}\"", StringComparison.Ordinal));

        Build = Dotnet(["build", "-c", "Release", "-nologo"], SampleDir, environment).EnsureSuccess();
        SampleOutputDir = Path.Combine(SampleDir, "bin", "Release", "net10.0");
        Run = Dotnet([Path.Combine(SampleOutputDir, "CustomReward.dll"), "--steps", Steps.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            SampleDir, environment).EnsureSuccess();

        RunWithMissingBridge = DotnetProcess.Run(DotnetProcess.Host, [Path.Combine(SampleOutputDir, "CustomReward.dll"), "--steps", "1"], SampleDir,
            new Dictionary<string, string>(environment) { ["TOOLRL_TORCH_BRIDGE"] = MissingBridge }, StepTimeout);

        // The tool restores from the feed alone: it has no dependencies, and no other source may shadow it.
        var toolConfig = Path.Combine(Root, "tool-nuget.config");
        File.WriteAllText(toolConfig,
            $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="feed" value="{Feed}" /></packageSources></configuration>""");
        var toolPath = Path.Combine(Root, "tools");
        Dotnet(["tool", "install", "ToolRL.Cli", "--version", Version, "--tool-path", toolPath, "--configfile", toolConfig], Root, environment)
            .EnsureSuccess();
        ToolVersion = DotnetProcess.Run(Path.Combine(toolPath, "toolrl"), ["version"], Root, environment, StepTimeout).EnsureSuccess();

        CopySample(TestPaths.InRepo("samples", "scripts"), Path.Combine(Root, "samples", "scripts"));
        foreach (var name in ScriptNames)
        {
            // `dotnet run samples/scripts/NAME.cs` from the root, as the docs say; score-and-generate reads the model
            // that sft-then-grpo writes, so that one runs first.
            _scripts[name] = new Lazy<ProcessResult>(() =>
            {
                if (name == "score-and-generate")
                {
                    Script("sft-then-grpo");
                }
                return Dotnet(["run", $"samples/scripts/{name}.cs"], Root, environment);
            });
        }
    }

    /// <summary>The file-based scripts of samples/scripts, each run by a test.</summary>
    public static readonly IReadOnlyList<string> ScriptNames = ["grpo-custom-reward", "sft-then-grpo", "score-and-generate", "agent-with-tool"];

    /// <summary>The temporary folder holding everything.</summary>
    public string Root { get; }

    /// <summary>The pack output (a local NuGet feed).</summary>
    public string Feed { get; }

    /// <summary>The isolated NUGET_PACKAGES folder the sample restored into.</summary>
    public string PackagesCache { get; }

    /// <summary>The copied sample project.</summary>
    public string SampleDir { get; }

    /// <summary>The sample's build output.</summary>
    public string SampleOutputDir { get; }

    /// <summary>The repository's package version (Directory.Build.props).</summary>
    public string Version { get; }

    /// <summary>The pack, build, run and tool results.</summary>
    public ProcessResult Pack { get; }

    /// <inheritdoc cref="Pack" />
    public ProcessResult Build { get; }

    /// <inheritdoc cref="Pack" />
    public ProcessResult Run { get; }

    /// <inheritdoc cref="Pack" />
    public ProcessResult ToolVersion { get; }

    /// <summary>The sample run with TOOLRL_TORCH_BRIDGE naming <see cref="MissingBridge"/>.</summary>
    public ProcessResult RunWithMissingBridge { get; }

    /// <summary>A bridge path that does not exist.</summary>
    public const string MissingBridge = "/nonexistent/libtoolrl_torch.so";

    /// <summary>The configuration the test assemblies (and so the solution) were built in.</summary>
    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>The run of script <c>samples/scripts/NAME.cs</c> (run on first use; its build included).</summary>
    public ProcessResult Script(string name) => _scripts[name].Value;

    /// <summary>
    /// A user's edited copy: writes <paramref name="text"/> as <c>samples/scripts/NAME.cs</c> beside the scripts and runs it
    /// the one way the docs give (<c>dotnet run samples/scripts/NAME.cs</c> from the root).
    /// </summary>
    public ProcessResult RunCopy(string name, string text)
    {
        File.WriteAllText(Path.Combine(Root, "samples", "scripts", name + ".cs"), text);
        return Dotnet(["run", $"samples/scripts/{name}.cs"], Root, _environment);
    }

    /// <summary>The packed file of package <paramref name="id"/>.</summary>
    public string PackageFile(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    /// <summary>The names of the entries of package <paramref name="id"/>.</summary>
    public IReadOnlyList<string> Entries(string id)
    {
        using var zip = ZipFile.OpenRead(PackageFile(id));
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    /// <summary>The bytes of one entry of package <paramref name="id"/>.</summary>
    public byte[] Entry(string id, string name)
    {
        using var zip = ZipFile.OpenRead(PackageFile(id));
        var entry = zip.GetEntry(name) ?? throw new FileNotFoundException($"{id}: no entry {name}");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The package's nuspec.</summary>
    public XElement Nuspec(string id)
    {
        using var stream = new MemoryStream(Entry(id, $"{id}.nuspec"));
        return XElement.Load(stream);
    }

    /// <summary>&lt;Version&gt; of the repository's Directory.Build.props.</summary>
    public static string RepoVersion() =>
        XElement.Load(TestPaths.InRepo("Directory.Build.props")).Descendants("Version").Single().Value;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a passing run on clean-up.
        }
    }

    private static ProcessResult Dotnet(IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment) =>
        DotnetProcess.Run(DotnetProcess.Host, arguments, workingDirectory, environment, StepTimeout);

    private static void CopySample(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            if (top is "bin" or "obj")
            {
                continue; // a developer's local build of the sample must not leak in
            }
            var target = Path.Combine(destination, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
