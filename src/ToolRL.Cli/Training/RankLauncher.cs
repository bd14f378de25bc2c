using System.Diagnostics;
using ToolRL.Torch.Distributed;

namespace ToolRL.Cli.Training;

/// <summary>Where a launcher sits: processes per node, nodes, this node's index, and the rendezvous address.</summary>
/// <param name="ProcPerNode">Ranks started on this machine (<c>--nproc-per-node</c>).</param>
/// <param name="Nodes">Machines in the run (<c>--nnodes</c>).</param>
/// <param name="NodeRank">This machine's index, 0 ≤ NodeRank &lt; Nodes (<c>--node-rank</c>); node 0 hosts the store.</param>
/// <param name="MasterAddress">Node 0's address as the other nodes reach it (<c>--master-addr</c>).</param>
/// <param name="MasterPort">The store's port (<c>--master-port</c>; null on one node: a free port is picked).</param>
internal sealed record LaunchPlan(int ProcPerNode, int Nodes, int NodeRank, string MasterAddress, int? MasterPort)
{
    public int WorldSize => ProcPerNode * Nodes;
}

/// <summary>
/// <c>toolrl train --nproc-per-node N</c>: the launcher torchrun would be. Node 0's launcher hosts the TCP store (as
/// torchrun's agent does, so a free port can be picked race-free on one machine); every local rank is this same
/// command re-run with torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT,
/// TORCHELASTIC_USE_AGENT_STORE). Rank 0's console is streamed; the others' last lines are kept and shown if they
/// fail. When one rank fails, the others are stopped and its exit code is returned.
/// </summary>
internal static class RankLauncher
{
    private const int TailLines = 40;
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromMinutes(30);

    public static async Task<int> RunAsync(LaunchPlan plan, IReadOnlyList<string> rankArguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var store = plan.NodeRank == 0 ? TcpStore.Host(plan.MasterPort ?? 0, StoreTimeout) : null;
        var port = store?.Port ?? plan.MasterPort!.Value;
        output.WriteLine($"launcher: node {plan.NodeRank} of {plan.Nodes}, ranks {plan.NodeRank * plan.ProcPerNode}..{(plan.NodeRank + 1) * plan.ProcPerNode - 1} of {plan.WorldSize}, store {plan.MasterAddress}:{port}");
        var ranks = new List<RankProcess>();
        try
        {
            for (var local = 0; local < plan.ProcPerNode; local++)
            {
                var environment = new DistributedEnvironment(plan.NodeRank * plan.ProcPerNode + local, plan.WorldSize, local, plan.MasterAddress, port, UseAgentStore: true);
                ranks.Add(RankProcess.Start(environment, rankArguments, environment.IsRankZero ? output : null, environment.IsRankZero ? error : null));
            }
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ranks.FirstOrDefault(r => r.Process.HasExited && r.Process.ExitCode != 0) is { } failed)
                {
                    await failed.DrainAsync();
                    error.WriteLine($"launcher: rank {failed.Environment.Rank} exited with code {failed.Process.ExitCode}; stopping the other ranks");
                    foreach (var line in failed.Tail)
                    {
                        error.WriteLine($"[rank {failed.Environment.Rank}] {line}");
                    }
                    return failed.Process.ExitCode;
                }
                if (ranks.All(r => r.Process.HasExited))
                {
                    foreach (var rank in ranks)
                    {
                        await rank.DrainAsync();
                    }
                    return 0;
                }
                await Task.Delay(100, cancellationToken);
            }
        }
        finally
        {
            foreach (var rank in ranks)
            {
                rank.Dispose();
            }
        }
    }

    /// <summary>One started rank: its process, and (for a rank not streamed) the last lines it printed.</summary>
    private sealed class RankProcess : IDisposable
    {
        private readonly Queue<string> _tail = new();
        private readonly Task[] _readers;

        private RankProcess(DistributedEnvironment environment, Process process, TextWriter? output, TextWriter? error)
        {
            Environment = environment;
            Process = process;
            _readers = [Pump(process.StandardOutput, output), Pump(process.StandardError, error)];
        }

        public DistributedEnvironment Environment { get; }

        public Process Process { get; }

        public IReadOnlyList<string> Tail
        {
            get
            {
                lock (_tail)
                {
                    return _tail.ToArray();
                }
            }
        }

        public static RankProcess Start(DistributedEnvironment environment, IReadOnlyList<string> arguments, TextWriter? output, TextWriter? error)
        {
            // This same program again: `dotnet ToolRL.Cli.dll ...` or the `toolrl` app host.
            var host = System.Environment.ProcessPath ?? throw new InvalidOperationException("the launcher cannot find its own executable");
            var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            {
                start.ArgumentList.Add(typeof(RankLauncher).Assembly.Location);
            }
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var (name, value) in environment.ToVariables())
            {
                start.Environment[name] = value;
            }
            return new RankProcess(environment, Process.Start(start)!, output, error);
        }

        public async Task DrainAsync()
        {
            try
            {
                await Task.WhenAll(_readers).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                // A grandchild holds the pipe open; what was read is enough.
            }
        }

        public void Dispose()
        {
            try
            {
                if (!Process.HasExited)
                {
                    Process.Kill(entireProcessTree: true);
                    Process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // it exited meanwhile
            }
            Process.Dispose();
        }

        private Task Pump(StreamReader reader, TextWriter? writer) => Task.Run(async () =>
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                if (writer is not null)
                {
                    lock (writer)
                    {
                        writer.WriteLine(line);
                    }
                    continue;
                }
                lock (_tail)
                {
                    _tail.Enqueue(line);
                    if (_tail.Count > TailLines)
                    {
                        _tail.Dequeue();
                    }
                }
            }
        });
    }
}
