namespace ToolRL.Agents.Rollout;

/// <summary>
/// A token source that emits fixed turns (row r's turns in order, each a list of ids, log-prob −0.5 per token):
/// plays gold conversations through the agent loop, so gold trajectories for SFT have exactly the token layout of
/// sampled ones, and lets tests check the loop's accounting. Records what each row was fed and which were released.
/// </summary>
internal sealed class ScriptedTokenPolicy(IReadOnlyList<IReadOnlyList<int[]>> turnsPerRow) : ITokenPolicy
{
    private readonly int[] _turn = new int[turnsPerRow.Count];
    private readonly int[] _position = new int[turnsPerRow.Count];

    /// <summary>Every feed, in order.</summary>
    public List<(int Row, int[] Feed)> Fed { get; } = [];

    /// <summary>Released rows, in order.</summary>
    public List<int> Released { get; } = [];

    public IReadOnlyList<(int Id, float LogProb)?> Step(IReadOnlyList<int[]?> feeds)
    {
        var result = new (int, float)?[feeds.Count];
        for (var r = 0; r < feeds.Count; r++)
        {
            if (feeds[r] is not { Length: > 0 } feed)
            {
                continue;
            }
            Fed.Add((r, feed));
            if (_turn[r] >= turnsPerRow[r].Count)
            {
                throw new InvalidOperationException($"row {r} was asked for a turn beyond its {turnsPerRow[r].Count} scripted turns");
            }
            var turn = turnsPerRow[r][_turn[r]];
            result[r] = (turn[_position[r]], -0.5f);
            if (++_position[r] == turn.Length)
            {
                _turn[r]++;
                _position[r] = 0;
            }
        }
        return result;
    }

    public void Release(int row) => Released.Add(row);

    public void Dispose()
    {
    }
}
