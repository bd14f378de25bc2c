using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ToolRL.Testing;

using static ToolRL.Tests.Packaging.PrintedValues;

namespace ToolRL.Tests.Packaging;

/// <summary>
/// The NuGet packages as a user gets them: contents and metadata of the packed files, and the CustomReward
/// sample restored from them (never from the repository's projects), built and run.
/// </summary>
[Collection(PackedCollection.Name)]
public sealed class PackagingTests(PackedSample packed)
{
    [Fact]
    public void TorchPackageCarriesTheBuiltBridgeItsSourcesDocsAndReadme()
    {
        var entries = packed.Entries("ToolRL.Torch");
        Assert.Contains("lib/net10.0/ToolRL.Torch.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("native/README.md", entries);
        Assert.Contains("native/CMakeLists.txt", entries);

        // Exactly the bridge the build made (not a stale copy), under the RID folder NuGet hands to consumers.
        Assert.Equal(File.ReadAllBytes(TestPaths.InRepo("src", "ToolRL.Torch", "obj", "native", "libtoolrl_torch.so")),
            packed.Entry("ToolRL.Torch", "runtimes/linux-x64/native/libtoolrl_torch.so"));

        // Every bridge source, byte for byte, so a user can rebuild it against their own libtorch.
        var nativeRoot = TestPaths.InRepo("native");
        foreach (var source in Directory.EnumerateFiles(Path.Combine(nativeRoot, "src"), "*", SearchOption.AllDirectories).Append(Path.Combine(nativeRoot, "CMakeLists.txt")))
        {
            var name = "native/" + Path.GetRelativePath(nativeRoot, source).Replace(Path.DirectorySeparatorChar, '/');
            Assert.Equal(File.ReadAllBytes(source), packed.Entry("ToolRL.Torch", name));
        }

        var docs = XElement.Load(new MemoryStream(packed.Entry("ToolRL.Torch", "lib/net10.0/ToolRL.Torch.xml")));
        Assert.Contains(docs.Descendants("member"), m => (string?)m.Attribute("name") == "T:ToolRL.Torch.Tensor");
        var readme = System.Text.Encoding.UTF8.GetString(packed.Entry("ToolRL.Torch", "README.md"));
        Assert.Contains("Torch_DIR", readme);
        Assert.Contains("libopenblas0-openmp", readme);
        Assert.Contains("TOOLRL_TORCH_BRIDGE", readme);
    }

    [Fact]
    public void LibraryPackageHasDocsMetadataAndDependsOnTheSameTorchVersion()
    {
        var entries = packed.Entries("ToolRL");
        Assert.Contains("lib/net10.0/ToolRL.dll", entries);
        Assert.Contains("README.md", entries);
        var docs = XElement.Load(new MemoryStream(packed.Entry("ToolRL", "lib/net10.0/ToolRL.xml")));
        Assert.Contains(docs.Descendants("member"), m => (string?)m.Attribute("name") == "T:ToolRL.Rewards.IRewardFunction");

        var nuspec = packed.Nuspec("ToolRL");
        Assert.Equal(packed.Version, Single(nuspec, "version").Value);
        Assert.Equal("Apache-2.0", Single(nuspec, "license").Value);
        Assert.Equal("expression", (string?)Single(nuspec, "license").Attribute("type"));
        Assert.Equal("README.md", Single(nuspec, "readme").Value);
        Assert.Contains("grpo", Single(nuspec, "tags").Value.Split(' '));
        Assert.NotNull(Single(nuspec, "repository").Attribute("url"));
        var dependency = Assert.Single(All(nuspec, "dependency"), d => (string?)d.Attribute("id") == "ToolRL.Torch");
        Assert.Equal(packed.Version, (string?)dependency.Attribute("version"));
    }

    [Fact]
    public void ToolPackageInstallsAndRunsAsToolrl()
    {
        Assert.Equal("DotnetTool", (string?)Single(packed.Nuspec("ToolRL.Cli"), "packageType").Attribute("name"));
        var settings = XElement.Load(new MemoryStream(packed.Entry("ToolRL.Cli", "tools/net10.0/any/DotnetToolSettings.xml")));
        Assert.Equal("toolrl", (string?)settings.Descendants("Command").Single().Attribute("Name"));
        Assert.Contains("tools/net10.0/any/libtoolrl_torch.so", packed.Entries("ToolRL.Cli"));

        // `toolrl version` of the installed tool prints the packed version (+ commit metadata).
        Assert.StartsWith(packed.Version, packed.ToolVersion.Output.Trim());
    }

    [Fact]
    public void SampleRestoredTheFreshPackagesIntoItsIsolatedCache()
    {
        foreach (var id in new[] { "ToolRL", "ToolRL.Torch" })
        {
            // NuGet records the hash of the .nupkg it extracted: it must be the file packed by this test.
            var folder = Path.Combine(packed.PackagesCache, id.ToLowerInvariant(), packed.Version);
            var recorded = File.ReadAllText(Path.Combine(folder, $"{id.ToLowerInvariant()}.{packed.Version}.nupkg.sha512")).Trim();
            Assert.Equal(Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(packed.PackageFile(id)))), recorded);
        }

        // The sample consumed packages, not projects.
        using var assets = JsonDocument.Parse(File.ReadAllText(Path.Combine(packed.SampleDir, "obj", "project.assets.json")));
        var libraries = assets.RootElement.GetProperty("libraries");
        Assert.Equal("package", libraries.GetProperty($"ToolRL/{packed.Version}").GetProperty("type").GetString());
        Assert.Equal("package", libraries.GetProperty($"ToolRL.Torch/{packed.Version}").GetProperty("type").GetString());

        // The native bridge landed where the host (and ToolRL.Torch's resolver) look in a portable app.
        Assert.True(File.Exists(Path.Combine(packed.SampleOutputDir, "runtimes", "linux-x64", "native", "libtoolrl_torch.so")),
            $"no runtimes/linux-x64/native/libtoolrl_torch.so under {packed.SampleOutputDir}");
    }

    [Theory]
    // label, thought characters, thought_length = −min(1, (chars − 40) / 40) beyond the sample's 40-character
    // budget, toolrl = format 1 + correctness 3 for the exact call (−3 without one: see RewardFunctionTests),
    // total = 1.0·toolrl + 0.5·thought_length. Without a <think> block the whole text before any tag is the thought.
    [InlineData("short", 20, 0.0, 4.0, 4.0)]
    [InlineData("over", 60, -0.5, 4.0, 3.75)]
    [InlineData("rambling", 200, -1.0, 4.0, 3.5)]
    [InlineData("unformatted", 62, -0.55, -3.0, -3.275)]
    public void SampleCustomRewardIsCombinedByWeightWithTheToolRLReward(string label, int chars, double penalty, double toolrl, double total)
    {
        var line = packed.Run.Output.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith($"score {label} ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no 'score {label}' line in the sample's output:\n{packed.Run.Output}");
        var values = KeyValues(line);
        Assert.Equal(chars, int.Parse(values["chars"], CultureInfo.InvariantCulture));
        Assert.Equal(penalty, Number(values["thought_length"]), 12);
        Assert.Equal(toolrl, Number(values["toolrl"]), 12);
        Assert.Equal(total, Number(values["total"]), 12);
    }

    [Fact]
    public void SampleTrainedTheRequestedGrpoStepsWithFiniteMetrics()
    {
        var steps = packed.Run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.True(steps.Count == PackedSample.Steps, $"expected {PackedSample.Steps} step lines in the sample's output:\n{packed.Run.Output}");
        for (var i = 0; i < steps.Count; i++)
        {
            var values = KeyValues(steps[i]);
            Assert.StartsWith($"step {i + 1}/{PackedSample.Steps} ", steps[i]);
            Assert.Equal(["grad_norm", "pg_loss", "response_length", "reward", "thought_length", "toolrl"], values.Keys.Order());
            Assert.All(values, kv => Assert.True(double.TryParse(kv.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v),
                $"{kv.Key}={kv.Value} in '{steps[i]}'"));
            // The trainer scored with the sample's combination: every row has a ground truth, so the batch mean
            // of 1.0·toolrl + 0.5·thought_length is the weighted sum of the two functions' means.
            Assert.Equal(Number(values["toolrl"]) + 0.5 * Number(values["thought_length"]), Number(values["reward"]), 9);
        }
        // An untrained model's toolrl scores barely vary within a group; the thought-length term does, so the
        // combined advantages are non-zero and the policy really gets a gradient.
        Assert.Contains(steps, s => Number(KeyValues(s)["grad_norm"]) > 0);
        Assert.Contains($"trained {PackedSample.Steps} steps", packed.Run.Output);
    }

    [Fact]
    public void AConsumerCanSwapTheBridgeWithTOOLRL_TORCH_BRIDGEAndAWrongPathFailsLoudly()
    {
        var run = packed.RunWithMissingBridge;
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"TOOLRL_TORCH_BRIDGE={PackedSample.MissingBridge}: no such file", run.Output);
        Assert.DoesNotContain("step 1/", run.Output); // no silent fallback to the packaged bridge
    }

    [Fact]
    public void SampleIsPinnedToTheRepositoryVersionAndKeptOutOfTheSolution()
    {
        var project = XElement.Load(TestPaths.InRepo("samples", "CustomReward", "CustomReward.csproj"));
        var reference = project.Descendants("PackageReference").Single(r => (string?)r.Attribute("Include") == "ToolRL");
        Assert.Equal(PackedSample.RepoVersion(), (string?)reference.Attribute("Version"));
        Assert.Empty(project.Descendants("ProjectReference"));
        Assert.DoesNotContain("CustomReward", File.ReadAllText(TestPaths.InRepo("ToolRL.sln")));
    }

    // Nuspec namespaces differ between package types (2012/06 for tools, 2013/05 otherwise): match local names.
    private static IEnumerable<XElement> All(XElement root, string localName) =>
        root.Descendants().Where(e => e.Name.LocalName == localName);

    private static XElement Single(XElement root, string localName) => All(root, localName).Single();
}
