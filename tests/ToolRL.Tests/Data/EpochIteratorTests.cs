using ToolRL.Data;

namespace ToolRL.Tests.Data;

public sealed class EpochIteratorTests
{
    [Fact]
    public void EachEpochIsAPermutationAndEpochsDiffer()
    {
        var iterator = new EpochIterator(count: 10, batchSize: 5, seed: 1);
        var epoch0 = iterator.NextBatch().Concat(iterator.NextBatch()).ToList();
        var epoch1 = iterator.NextBatch().Concat(iterator.NextBatch()).ToList();

        Assert.Equal(Enumerable.Range(0, 10), epoch0.Order());
        Assert.Equal(Enumerable.Range(0, 10), epoch1.Order());
        Assert.NotEqual(epoch0, epoch1);
        Assert.Equal(new EpochIteratorState(1, 10, 1), iterator.State);
    }

    [Fact]
    public void ResumingFromASavedStateContinuesWithTheSameBatches()
    {
        var uninterrupted = new EpochIterator(23, 4, seed: 99);
        var expected = Enumerable.Range(0, 20).Select(_ => uninterrupted.NextBatch()).ToList();

        var first = new EpochIterator(23, 4, seed: 99);
        var before = Enumerable.Range(0, 7).Select(_ => first.NextBatch()).ToList();
        var resumed = new EpochIterator(23, 4, seed: 99, resume: first.State);
        var after = Enumerable.Range(0, 13).Select(_ => resumed.NextBatch()).ToList();

        Assert.Equal(expected, before.Concat(after));
    }

    [Fact]
    public void DropLastSkipsTheIncompleteBatchAndKeepLastReturnsIt()
    {
        var dropping = new EpochIterator(10, 4, seed: 0);
        var keeping = new EpochIterator(10, 4, seed: 0, dropLast: false);

        Assert.Equal(2, dropping.BatchesPerEpoch);
        Assert.Equal([4, 4, 4], Enumerable.Range(0, 3).Select(_ => dropping.NextBatch().Count));
        Assert.Equal(1, dropping.State.Epoch);
        Assert.Equal([4, 4, 2, 4], Enumerable.Range(0, 4).Select(_ => keeping.NextBatch().Count));
    }

    [Fact]
    public void UnshuffledIterationKeepsFileOrder()
    {
        var iterator = new EpochIterator(5, 2, seed: 4, dropLast: false, shuffle: false);

        Assert.Equal([0, 1], iterator.NextBatch());
        Assert.Equal([2, 3], iterator.NextBatch());
        Assert.Equal([4], iterator.NextBatch());
        Assert.Equal([0, 1], iterator.NextBatch());
    }

    [Fact]
    public void GeneratorMatchesTheSplitMix64ReferenceVectors()
    {
        // First outputs of Vigna's splitmix64.c seeded with 1234567.
        var state = 1234567UL;
        ulong[] expected = [6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431, 16408922859458223821];

        Assert.Equal(expected, expected.Select(_ => SeededRandom.SplitMix64(ref state)));
    }

    [Fact]
    public void AStateFromAnotherSeedIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new EpochIterator(10, 2, seed: 1, resume: new EpochIteratorState(0, 4, 2)));
        Assert.Contains("seed 1", e.Message);
    }
}
