using ToolRL.Torch;
using ToolRL.Torch.Distributed;
using ToolRL.Torch.NN;
using ToolRL.Training;
using ToolRL.Training.Rollout;

namespace ToolRL.Distributed;

/// <summary>
/// A policy whose sampling is split over the ranks of a <see cref="ProcessGroup"/>: each rank generates a contiguous
/// share of the prompts (all <c>n</c> samples of a prompt stay on one rank, so GRPO groups are whole), and every rank
/// receives every response. Each prompt is sampled with its own seed, a function of the call's seed and the prompt's
/// index only, so the responses are the same at any world size (1 rank included): a 2-rank run repeats a 1-rank run.
/// Scoring (<see cref="ScoreResponses"/>) is the wrapped policy's, on whatever batch the caller gives it.
/// </summary>
/// <remarks>Wraps, does not own: disposing this leaves <paramref name="inner"/> alive.</remarks>
public sealed class DataParallelPolicy(IPolicyModel inner, ProcessGroup group) : IPolicyModel
{
    /// <summary>The wrapped policy.</summary>
    public IPolicyModel Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The ranks sharing the sampling.</summary>
    public ProcessGroup Group { get; } = group ?? throw new ArgumentNullException(nameof(group));

    /// <inheritdoc />
    public Module Module => Inner.Module;

    /// <summary>The sampling seed of prompt <paramref name="index"/> in a call seeded with <paramref name="seed"/> (non-negative).</summary>
    public static long PromptSeed(long seed, int index) =>
        (long)(unchecked((ulong)seed * 6364136223846793005UL + (ulong)(index + 1) * 1442695040888963407UL) >> 1);

    /// <inheritdoc />
    public (Tensor LogProbs, Tensor? Entropy) ScoreResponses(MicroBatch batch, double temperature, bool withEntropy) =>
        Inner.ScoreResponses(batch, temperature, withEntropy);

    /// <inheritdoc />
    public IReadOnlyList<GeneratedResponse> Generate(IReadOnlyList<IReadOnlyList<int>> prompts, int n, SamplingSettings settings, long seed)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var (start, count) = RankShare.Of(prompts.Count, Group.Rank, Group.WorldSize);
        var mine = new List<GeneratedResponse>(count * n);
        for (var i = start; i < start + count; i++)
        {
            mine.AddRange(Inner.Generate([prompts[i]], n, settings, PromptSeed(seed, i)));
        }
        var all = new List<GeneratedResponse>(prompts.Count * n);
        foreach (var payload in ByteExchange.AllGather(Group, Encode(mine)))
        {
            all.AddRange(Decode(payload));
        }
        return all;
    }

    /// <inheritdoc />
    public void SavePretrained(string directory) => Inner.SavePretrained(directory);

    /// <inheritdoc />
    public void LoadWeights(string directory) => Inner.LoadWeights(directory);

    /// <summary>Does nothing: the wrapped policy belongs to the caller.</summary>
    public void Dispose()
    {
    }

    private static byte[] Encode(IReadOnlyList<GeneratedResponse> responses)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(responses.Count);
            foreach (var r in responses)
            {
                writer.Write(r.Stopped);
                writer.Write(r.TokenIds.Length);
                foreach (var id in r.TokenIds)
                {
                    writer.Write(id);
                }
                writer.Write(r.LogProbs?.Length ?? -1);   // −1: no log-probs recorded
                foreach (var logProb in r.LogProbs ?? [])
                {
                    writer.Write(logProb);
                }
            }
        }
        return stream.ToArray();
    }

    private static IEnumerable<GeneratedResponse> Decode(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload));
        var count = reader.ReadInt32();
        var responses = new GeneratedResponse[count];
        for (var k = 0; k < count; k++)
        {
            var stopped = reader.ReadBoolean();
            var ids = new int[reader.ReadInt32()];
            for (var j = 0; j < ids.Length; j++)
            {
                ids[j] = reader.ReadInt32();
            }
            var logProbCount = reader.ReadInt32();
            float[]? logProbs = null;
            if (logProbCount >= 0)
            {
                logProbs = new float[logProbCount];
                for (var j = 0; j < logProbs.Length; j++)
                {
                    logProbs[j] = reader.ReadSingle();
                }
            }
            responses[k] = new GeneratedResponse(ids, stopped) { LogProbs = logProbs };
        }
        return responses;
    }
}
