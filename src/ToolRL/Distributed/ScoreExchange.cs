using ToolRL.Torch.Distributed;
using ToolRL.Training.Rollout;

namespace ToolRL.Distributed;

/// <summary>
/// Every rank's rewards to every rank: each rank scores only the responses it generated, and the scored shares are
/// all-gathered in rank order, so every rank holds the whole step's rewards (and the reward metrics are one
/// process's) while each reward is computed once.
/// </summary>
internal static class ScoreExchange
{
    /// <summary>The ranks' <paramref name="mine"/> joined in rank order (a collective).</summary>
    public static ScoredBatch AllGather(ProcessGroup group, ScoredBatch mine)
    {
        var shares = ByteExchange.AllGather(group, Encode(mine)).Select(Decode).ToList();
        var totals = shares.SelectMany(s => s.Totals).ToArray();
        var names = shares.SelectMany(s => s.Components.Keys).Distinct(StringComparer.Ordinal).ToList();
        var components = names.ToDictionary(name => name, name => (IReadOnlyList<double?>)shares
            .SelectMany(s => s.Components.TryGetValue(name, out var values) ? values : new double?[s.Totals.Length]).ToArray(), StringComparer.Ordinal);
        return new ScoredBatch(totals, components);
    }

    private static byte[] Encode(ScoredBatch batch)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(batch.Totals.Length);
            foreach (var total in batch.Totals)
            {
                writer.Write(total);
            }
            writer.Write(batch.Components.Count);
            foreach (var (name, values) in batch.Components)
            {
                writer.Write(name);
                foreach (var value in values)
                {
                    writer.Write(value.HasValue);
                    writer.Write(value ?? 0);
                }
            }
        }
        return stream.ToArray();
    }

    private static ScoredBatch Decode(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload));
        var totals = new double[reader.ReadInt32()];
        for (var i = 0; i < totals.Length; i++)
        {
            totals[i] = reader.ReadDouble();
        }
        var components = new Dictionary<string, IReadOnlyList<double?>>(StringComparer.Ordinal);
        for (int c = 0, count = reader.ReadInt32(); c < count; c++)
        {
            var name = reader.ReadString();
            var values = new double?[totals.Length];
            for (var i = 0; i < values.Length; i++)
            {
                var has = reader.ReadBoolean();
                var value = reader.ReadDouble();
                values[i] = has ? value : null;
            }
            components[name] = values;
        }
        return new ScoredBatch(totals, components);
    }
}
