namespace ToolRL.Torch.Tests;

/// <summary>Scopes free what they own, moved-out tensors survive, and nothing leaks.</summary>
[Collection(LiveCountCollection.Name)]
public sealed class LifetimeTests
{
    [Fact]
    public void TenThousandOpsInAScopeReturnTheLiveCountToItsBaseline()
    {
        SettleFinalizers();
        var baseline = torch.LiveTensorCount;
        using (var scope = torch.NewScope())
        {
            var x = torch.Ones([8, 8]);
            for (var i = 0; i < 10_000; i++)
            {
                using var inner = torch.NewScope();
                var y = (x * 0.5 + 1).Exp().Sum(0).Softmax(-1).Log();
                _ = y.Shape;
            }
            Assert.True(torch.LiveTensorCount > baseline);
        }
        Assert.Equal(baseline, torch.LiveTensorCount);
    }

    /// <summary>Runs pending finalizers of other tests' garbage so they cannot move the count mid-test.</summary>
    private static void SettleFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }

    [Fact]
    public void MovedOutTensorSurvivesItsScope()
    {
        SettleFinalizers();
        var baseline = torch.LiveTensorCount;
        Tensor kept;
        using (var scope = torch.NewScope())
        {
            var temp = torch.Full([2], 3.0);
            kept = scope.MoveToOuter(temp * 2);
            Assert.Equal(1, scope.Count); // the temporary; the moved result belongs to no scope now
        }
        Assert.Equal([6f, 6f], kept.ToArray<float>());
        Assert.Equal(baseline + 1, torch.LiveTensorCount);
        kept.Dispose();
        Assert.Equal(baseline, torch.LiveTensorCount);
    }

    [Fact]
    public void NestedScopesHandTensorsOutward()
    {
        var baseline = torch.LiveTensorCount;
        using (var outer = torch.NewScope())
        {
            Tensor fromInner;
            using (var inner = torch.NewScope())
            {
                fromInner = torch.Ones([3]).MoveToOuterScope();
            }
            Assert.False(fromInner.IsDisposed);
            Assert.Same(outer, TensorScope.Current);
            Assert.Equal(1, outer.Count);
        }
        Assert.Equal(baseline, torch.LiveTensorCount);
    }

    [Fact]
    public void UnownedTensorsDroppedUndisposedAreFreedByTheirFinalizer()
    {
        SettleFinalizers();
        var baseline = torch.LiveTensorCount;
        DropThreeUnownedTensors();
        Assert.Equal(baseline + 3, torch.LiveTensorCount);
        SettleFinalizers();
        Assert.Equal(baseline, torch.LiveTensorCount);
    }

    // Not inlined so that no local of the test method keeps the tensors reachable.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DropThreeUnownedTensors()
    {
        _ = torch.Ones([4]);                                  // made outside any scope
        using var scope = torch.NewScope();
        scope.MoveToOuter(torch.Ones([4]));                   // moved out of every scope
        torch.Ones([4]).DetachFromScope();                    // detached from its scope
    }

    [Fact]
    public void AScopeNeverDisposedOnAFinishedThreadStillFreesItsTensors()
    {
        SettleFinalizers();
        var baseline = torch.LiveTensorCount;
        var thread = new Thread(() =>
        {
            torch.NewScope();                                 // deliberately never disposed
            _ = torch.Ones([4]) + 1;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(baseline + 2, torch.LiveTensorCount);
        // First collection finalizes the scope (which gives its tensors a safety net), the second frees them.
        SettleFinalizers();
        SettleFinalizers();
        Assert.Equal(baseline, torch.LiveTensorCount);
    }

    [Fact]
    public void DisposedTensorRefusesUse()
    {
        var t = torch.Zeros([1]);
        t.Dispose();
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.Exp());
    }

    [Fact]
    public void ErrorsInsideAScopeLeakNothing()
    {
        var baseline = torch.LiveTensorCount;
        using (torch.NewScope())
        {
            var a = torch.Ones([2, 3]);
            Assert.Throws<TorchException>(() => a.MatMul(a));
        }
        Assert.Equal(baseline, torch.LiveTensorCount);
    }
}

/// <summary>Tests that read the process-wide live-tensor count must not run beside other tensor tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCountCollection
{
    public const string Name = "live tensor count";
}
