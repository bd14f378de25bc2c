namespace ToolRL.Agents.Rollout;

/// <summary>
/// The token source of a multi-turn rollout: a fixed set of rows (trajectories), each of which is fed the ids to
/// append (a prompt, the last sampled token, or an inserted turn) and answers with its next token. Rows not fed in a
/// step add nothing and get nothing. The rollout loop is written against this so that tests can script the tokens.
/// </summary>
internal interface ITokenPolicy : IDisposable
{
    /// <summary>
    /// Appends <c>feeds[r]</c> to every row <c>r</c> with a non-empty feed and returns each such row's next token and
    /// its log-prob (null for rows not fed).
    /// </summary>
    IReadOnlyList<(int Id, float LogProb)?> Step(IReadOnlyList<int[]?> feeds);

    /// <summary>Row <paramref name="row"/> is finished and will not be fed again (its memory may be freed).</summary>
    void Release(int row);
}
