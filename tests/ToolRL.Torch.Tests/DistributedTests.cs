using System.Text.Json;
using ToolRL.Torch.Distributed;

namespace ToolRL.Torch.Tests;

/// <summary>
/// Collectives across two real processes, compared with torch.distributed (gloo) run by python3-torch on the same
/// inputs (Fixtures/distributed.json, tools/torch/make_distributed_fixtures.py); a dead or stalled peer ends the
/// surviving rank with an error instead of a hang.
/// </summary>
public sealed class DistributedTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);  // rank start-up on a loaded 2-core machine
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-dist-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CollectivesOnTwoProcessesEqualTorchDistributedGloo()
    {
        var fixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "distributed.json");
        var fixture = Fixture.Load("distributed.json");
        var outputs = Enumerable.Range(0, 2).Select(r => Path.Combine(_dir, $"rank{r}.json")).ToArray();
        using (var ranks = new DistributedRanks(2, r => ["collectives", fixturePath, outputs[r]]))
        {
            for (var r = 0; r < 2; r++)
            {
                Assert.True(ranks.WaitForExit(r, Generous) == 0, $"rank {r} failed: {ranks.Stderr(r)}");
            }
        }
        for (var r = 0; r < 2; r++)
        {
            var expected = fixture.GetProperty("ranks")[r].GetProperty("outputs");
            var actual = JsonDocument.Parse(File.ReadAllText(outputs[r])).RootElement;
            var names = expected.EnumerateObject().Select(p => p.Name).ToArray();
            Assert.Equal(8, names.Length);
            foreach (var name in names)
            {
                var want = expected.GetProperty(name);
                var got = actual.GetProperty(name);
                Assert.Equal(Fixture.Shape(want), got.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64()));
                var w = Fixture.Data(want);
                var g = got.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(w.Length, g.Length);
                for (var i = 0; i < w.Length; i++)
                {
                    // The same gloo algorithms in the same order: equal up to the fixture's 9 printed digits.
                    Assert.True(Math.Abs(w[i] - g[i]) <= 1e-7 * (1 + Math.Abs(w[i])), $"rank {r} {name}[{i}]: got {g[i]:R}, torch.distributed gave {w[i]:R}");
                }
            }
        }
    }

    [Theory]
    [InlineData("peer-dies", "all_reduce failed on rank 0 of 2")]
    [InlineData("reducer-peer-dies", "gradient all_reduce failed on rank 0 of 2")]   // started inside the backward
    public void AKilledPeerMakesTheOtherRankFailWellWithinTheTimeout(string scenario, string expected)
    {
        var output = Path.Combine(_dir, "dies.json");
        const double timeoutSeconds = 90;
        using var ranks = new DistributedRanks(2, _ => [scenario, output, timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        ranks.WaitForFiles(Generous, output + ".ready.0", output + ".ready.1");
        Thread.Sleep(300);  // let rank 0 enter the second all-reduce
        ranks[1].Kill(entireProcessTree: true);

        Assert.Equal(1, ranks.WaitForExit(0, TimeSpan.FromSeconds(timeoutSeconds + 30)));
        var report = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
        var message = report.GetProperty("error").GetString()!;
        Assert.Contains(expected, message, StringComparison.Ordinal);
        // A closed connection is noticed at once, not after the timeout.
        Assert.True(report.GetProperty("seconds").GetDouble() < timeoutSeconds / 2, $"rank 0 took {report.GetProperty("seconds").GetDouble():0.0} s to notice: {message}");
    }

    [Fact]
    public void AStalledPeerMakesTheOtherRankTimeOut()
    {
        var output = Path.Combine(_dir, "stalls.json");
        const double timeoutSeconds = 4;
        // Joining may take as long as start-up does on a loaded machine; the stalled collective may not, and neither
        // may leaving after it. In libtorch 1.13 gloo's own wait inside a collective runs on the join timeout, so a
        // rank that destroyed its failed group would stay alive until then, 150 s past the collective's 4 s.
        const double joinSeconds = 150;
        using var ranks = new DistributedRanks(2, _ => ["peer-stalls", output, Invariant(timeoutSeconds), Invariant(joinSeconds)]);
        ranks.WaitForFiles(Generous, output + ".ready.0", output + ".ready.1");
        Assert.Equal(1, ranks.WaitForExit(0, TimeSpan.FromSeconds(timeoutSeconds + 60),
            () => File.Exists(output) ? $"it had reported {File.ReadAllText(output)} but did not end" : "the stalled collective had not returned"));
        var report = JsonDocument.Parse(File.ReadAllText(output)).RootElement;
        var message = report.GetProperty("error").GetString()!;
        var seconds = report.GetProperty("seconds").GetDouble();
        Assert.Contains("all_reduce failed on rank 0 of 2", message, StringComparison.Ordinal);
        Assert.Contains("timeout is 4 s", message, StringComparison.Ordinal);
        Assert.True(seconds >= timeoutSeconds * 0.9 && seconds < timeoutSeconds + 30, $"rank 0 gave up after {seconds:0.0} s (timeout {timeoutSeconds} s): {message}");
    }

    private static string Invariant(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void TheTorchrunContractIsReadAndBadValuesNameTheVariable()
    {
        var variables = new Dictionary<string, string?>
        {
            ["RANK"] = "3", ["WORLD_SIZE"] = "4", ["LOCAL_RANK"] = "1", ["MASTER_ADDR"] = "10.0.0.5", ["MASTER_PORT"] = "29500",
        };
        var environment = DistributedEnvironment.FromEnvironment(n => variables.GetValueOrDefault(n));
        Assert.Equal(new DistributedEnvironment(3, 4, 1, "10.0.0.5", 29500, UseAgentStore: false), environment);
        Assert.False(environment!.IsLoopback);
        Assert.Equal(environment, DistributedEnvironment.FromEnvironment(n => environment.ToVariables().GetValueOrDefault(n)));

        Assert.Null(DistributedEnvironment.FromEnvironment(_ => null));
        variables["RANK"] = "4";
        Assert.Contains("RANK='4' is not an integer in 0..3", Assert.Throws<ArgumentException>(() => DistributedEnvironment.FromEnvironment(n => variables.GetValueOrDefault(n))).Message);
        variables["RANK"] = "0";
        variables["MASTER_PORT"] = null;
        Assert.Contains("MASTER_PORT is not set", Assert.Throws<ArgumentException>(() => DistributedEnvironment.FromEnvironment(n => variables.GetValueOrDefault(n))).Message);
    }

    [Fact]
    public void ASingleRankGroupRunsEveryCollectiveLocally()
    {
        using var store = TcpStore.Host(0, TimeSpan.FromSeconds(30));
        using var group = ProcessGroup.Create(store, 0, 1, DistributedBackend.Gloo, TimeSpan.FromSeconds(30), "127.0.0.1");
        using var scope = torch.NewScope();
        var t = torch.FromArray([1f, 2f, 3f, 4f]);
        group.AllReduce(t);
        Assert.Equal([1f, 2f, 3f, 4f], t.ToArray<float>());
        Assert.Equal([1L, 4L], group.AllGather(t).Shape);
        Assert.Equal([1f, 2f, 3f, 4f], group.ReduceScatter(t).ToArray<float>());
        group.Barrier();
        Assert.Throws<ArgumentException>(() => group.ReduceScatter(torch.Zeros([3, 2]).T()));
        Assert.Throws<ArgumentOutOfRangeException>(() => group.Broadcast(t, root: 1));
    }
}
