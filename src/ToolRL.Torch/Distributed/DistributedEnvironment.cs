using System.Globalization;

namespace ToolRL.Torch.Distributed;

/// <summary>
/// Where this process sits in a distributed run, read from torchrun's environment contract, so any launcher that
/// starts PyTorch jobs (torchrun, Slurm <c>srun</c> with the variables exported, a Kubernetes PyTorchJob, or
/// <c>toolrl train --nproc-per-node</c>) starts ToolRL ranks the same way.
/// </summary>
/// <param name="Rank">This process's global rank (<c>RANK</c>), 0 ≤ Rank &lt; WorldSize.</param>
/// <param name="WorldSize">The number of ranks over all machines (<c>WORLD_SIZE</c>).</param>
/// <param name="LocalRank">The rank on this machine (<c>LOCAL_RANK</c>, 0 when unset; picks the GPU on CUDA builds).</param>
/// <param name="MasterAddress">The host of the TCP store (<c>MASTER_ADDR</c>).</param>
/// <param name="MasterPort">The TCP store's port (<c>MASTER_PORT</c>).</param>
/// <param name="UseAgentStore">
/// The launcher already hosts the store (<c>TORCHELASTIC_USE_AGENT_STORE=True</c>, as torchrun sets); otherwise
/// rank 0 hosts it.
/// </param>
public sealed record DistributedEnvironment(int Rank, int WorldSize, int LocalRank, string MasterAddress, int MasterPort, bool UseAgentStore)
{
    /// <summary>The variable names of the contract.</summary>
    public const string RankVariable = "RANK", WorldSizeVariable = "WORLD_SIZE", LocalRankVariable = "LOCAL_RANK",
        MasterAddressVariable = "MASTER_ADDR", MasterPortVariable = "MASTER_PORT", AgentStoreVariable = "TORCHELASTIC_USE_AGENT_STORE";

    /// <summary>Whether this process is rank 0 (the one that logs and writes checkpoints).</summary>
    public bool IsRankZero => Rank == 0;

    /// <summary>
    /// Reads the contract from the process environment (or <paramref name="read"/>): null when <c>WORLD_SIZE</c> is
    /// unset (a plain single-process run). A variable that is set but wrong is an error naming it.
    /// </summary>
    public static DistributedEnvironment? FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        if (string.IsNullOrEmpty(read(WorldSizeVariable)))
        {
            return null;
        }
        var worldSize = Required(read, WorldSizeVariable, 1, int.MaxValue);
        var rank = Required(read, RankVariable, 0, worldSize - 1);
        var localRank = Optional(read, LocalRankVariable, 0, worldSize - 1) ?? 0;
        var address = read(MasterAddressVariable);
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new ArgumentException($"{MasterAddressVariable} is not set: a distributed run (WORLD_SIZE={worldSize}) needs the store's host, e.g. {MasterAddressVariable}=127.0.0.1 on one machine");
        }
        var port = Required(read, MasterPortVariable, 1, 65535);
        var agent = read(AgentStoreVariable) is { } a && (a.Equals("true", StringComparison.OrdinalIgnoreCase) || a == "1");
        return new DistributedEnvironment(rank, worldSize, localRank, address.Trim(), port, agent);
    }

    /// <summary>The variables a launcher sets for a rank (the inverse of <see cref="FromEnvironment"/>).</summary>
    public IReadOnlyDictionary<string, string> ToVariables() => new Dictionary<string, string>
    {
        [RankVariable] = Rank.ToString(CultureInfo.InvariantCulture),
        [WorldSizeVariable] = WorldSize.ToString(CultureInfo.InvariantCulture),
        [LocalRankVariable] = LocalRank.ToString(CultureInfo.InvariantCulture),
        [MasterAddressVariable] = MasterAddress,
        [MasterPortVariable] = MasterPort.ToString(CultureInfo.InvariantCulture),
        [AgentStoreVariable] = UseAgentStore ? "True" : "False",
    };

    /// <summary>Whether the store's host is this machine's loopback (every rank on one machine).</summary>
    public bool IsLoopback => MasterAddress is "localhost" or "::1" || MasterAddress.StartsWith("127.", StringComparison.Ordinal);

    private static int Required(Func<string, string?> read, string name, int min, int max) =>
        Optional(read, name, min, max)
        ?? throw new ArgumentException($"{name} is not set: a distributed run needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (torchrun's contract)");

    private static int? Optional(Func<string, string?> read, string name, int min, int max)
    {
        var text = read(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        if (!int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new ArgumentException($"{name}='{text}' is not an integer in {min}..{max}");
        }
        return value;
    }
}
