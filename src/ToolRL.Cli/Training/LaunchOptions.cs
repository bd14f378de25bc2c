using System.CommandLine;
using ToolRL.Torch.Distributed;

namespace ToolRL.Cli.Training;

/// <summary>
/// The launcher options of <c>toolrl train</c>, named as torchrun names them: <c>--nproc-per-node</c>, <c>--nnodes</c>,
/// <c>--node-rank</c>, <c>--master-addr</c>, <c>--master-port</c>.
/// </summary>
internal sealed class LaunchOptions
{
    private readonly Option<int?> _procPerNode = new("--nproc-per-node")
    {
        Description = "Start N data-parallel ranks on this machine (torchrun's --nproc-per-node); rank 0's console is shown.",
    };

    private readonly Option<int> _nodes = new("--nnodes") { Description = "Machines in the run (default 1); start the same command on each.", DefaultValueFactory = _ => 1 };

    private readonly Option<int> _nodeRank = new("--node-rank") { Description = "This machine's index 0..nnodes-1 (default 0); node 0 hosts the rendezvous." };

    private readonly Option<string?> _masterAddress = new("--master-addr") { Description = "Node 0's address as the other nodes reach it (default 127.0.0.1)." };

    private readonly Option<int?> _masterPort = new("--master-port")
    {
        Description = "Rendezvous port on node 0 (default: a free port on one node, 29500 across nodes).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _procPerNode, _nodes, _nodeRank, _masterAddress, _masterPort })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The launch the options ask for, or null when <c>--nproc-per-node</c> is absent (run in this process).</summary>
    /// <exception cref="UsageException">A value is out of range, or launcher options appear without --nproc-per-node.</exception>
    public LaunchPlan? PlanOf(ParseResult parse)
    {
        var procPerNode = parse.GetValue(_procPerNode);
        var nodes = parse.GetValue(_nodes);
        var nodeRank = parse.GetValue(_nodeRank);
        var address = parse.GetValue(_masterAddress);
        var port = parse.GetValue(_masterPort);
        if (procPerNode is null)
        {
            if (nodes != 1 || nodeRank != 0 || address is not null || port is not null)
            {
                throw new UsageException("--nnodes, --node-rank, --master-addr and --master-port need --nproc-per-node N (the ranks to start on this machine)");
            }
            return null;
        }
        if (DistributedEnvironment.FromEnvironment() is { } already)
        {
            throw new UsageException($"--nproc-per-node: this process is already rank {already.Rank} of {already.WorldSize} (WORLD_SIZE is set by a launcher); drop --nproc-per-node or unset the torchrun variables");
        }
        if (procPerNode < 1)
        {
            throw new UsageException($"--nproc-per-node {procPerNode} must be at least 1, e.g. --nproc-per-node 2");
        }
        if (nodes < 1)
        {
            throw new UsageException($"--nnodes {nodes} must be at least 1");
        }
        if (nodeRank < 0 || nodeRank >= nodes)
        {
            throw new UsageException($"--node-rank {nodeRank} must be in 0..{nodes - 1} (--nnodes {nodes})");
        }
        if (port is < 1 or > 65535)
        {
            throw new UsageException($"--master-port {port} must be in 1..65535");
        }
        if (nodes > 1 && address is null)
        {
            throw new UsageException("--master-addr is required with --nnodes > 1: node 0's address as the other nodes reach it");
        }
        return new LaunchPlan(procPerNode.Value, nodes, nodeRank, address ?? "127.0.0.1", port ?? (nodes > 1 ? 29500 : null));
    }
}
