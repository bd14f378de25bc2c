namespace ToolRL.Torch.Tests;

/// <summary>
/// The intra-op thread count is one setting for the whole process, although OpenMP keeps it per OS thread: work that
/// an await moves to another thread must compute with the same count, or sums split by thread count change bits.
/// </summary>
[Collection(IntraOpThreadCollection.Name)]
public sealed class IntraOpThreadTests
{
    [Fact]
    public void TheCountCanBeSetAndRead()
    {
        var before = torch.IntraOpThreads;
        try
        {
            torch.IntraOpThreads = 1;
            Assert.Equal(1, torch.IntraOpThreads);
            torch.IntraOpThreads = 3;
            Assert.Equal(3, torch.IntraOpThreads);
        }
        finally
        {
            torch.IntraOpThreads = before;
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => torch.IntraOpThreads = 0);
    }

    [Fact]
    public void AThreadThatAlreadyRanTensorWorkTakesACountSetOnAnotherThread()
    {
        var before = torch.IntraOpThreads;
        var changed = before == 1 ? 2 : 1;
        using var ranOnce = new ManualResetEventSlim();
        using var countChanged = new ManualResetEventSlim();
        var seenBefore = 0;
        var seenAfter = 0;
        var worker = new Thread(() =>
        {
            using (var scope = torch.NewScope())
            {
                _ = torch.Ones([4096]).Sum().Item<float>();  // libtorch's own per-thread set-up happens here
            }
            seenBefore = torch.IntraOpThreads;
            ranOnce.Set();
            countChanged.Wait();
            seenAfter = torch.IntraOpThreads;
        });
        try
        {
            worker.Start();
            ranOnce.Wait();
            torch.IntraOpThreads = changed;
            countChanged.Set();
            worker.Join();
            Assert.Equal(before, seenBefore);
            Assert.Equal(changed, seenAfter);
        }
        finally
        {
            countChanged.Set();
            torch.IntraOpThreads = before;
        }
    }

    [Fact]
    public void AFreshThreadComputesTheSameBitsAsTheThreadThatSetTheCount()
    {
        var before = torch.IntraOpThreads;
        try
        {
            torch.IntraOpThreads = 2;
            using var scope = torch.NewScope();
            using var generator = new Generator(7);
            var values = torch.Randn([1 << 20], generator: generator);
            var here = values.Sum().Item<float>();
            var there = 0f;
            var worker = new Thread(() =>
            {
                using var inner = torch.NewScope();
                there = values.Sum().Item<float>();
            });
            worker.Start();
            worker.Join();
            Assert.Equal(BitConverter.SingleToInt32Bits(here), BitConverter.SingleToInt32Bits(there));
        }
        finally
        {
            torch.IntraOpThreads = before;
        }
    }
}

/// <summary>Changing the process-wide thread count would reach tensor tests running beside these.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IntraOpThreadCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "intra-op threads";
}
