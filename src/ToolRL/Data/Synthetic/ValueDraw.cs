namespace ToolRL.Data.Synthetic;

/// <summary>
/// The random source of one request's argument values, and whether they come from the wide ranges
/// (<see cref="SyntheticValueRange.Wide"/>) or the typical ones. Typical draws consume the generator exactly as
/// before the wide ranges existed, so typical data are unchanged.
/// </summary>
internal sealed class ValueDraw(SeededRandom random, bool wide)
{
    /// <summary>True for the wide ranges.</summary>
    public bool Wide { get; } = wide;

    public int NextInclusive(int min, int max) => random.NextInclusive(min, max);

    public T Pick<T>(IReadOnlyList<T> items) => random.Pick(items);

    public void Shuffle<T>(IList<T> items) => random.Shuffle(items);
}
