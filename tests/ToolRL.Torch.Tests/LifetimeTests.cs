namespace ToolRL.Torch.Tests;

/// <summary>Scopes free what they own, moved-out tensors survive, and nothing leaks.</summary>
[Collection(LiveCountCollection.Name)]
public sealed class LifetimeTests
{
    [Fact]
    public void TenThousandOpsInAScopeReturnTheLiveCountToItsBaseline()
    {
        SettleFinalizers();
        var baseline = Torch.LiveTensorCount;
        using (var scope = Torch.NewScope())
        {
            var x = Torch.Ones([8, 8]);
            for (var i = 0; i < 10_000; i++)
            {
                using var inner = Torch.NewScope();
                var y = (x * 0.5 + 1).Exp().Sum(0).Softmax(-1).Log();
                _ = y.Shape;
            }
            Assert.True(Torch.LiveTensorCount > baseline);
        }
        Assert.Equal(baseline, Torch.LiveTensorCount);
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
        var baseline = Torch.LiveTensorCount;
        Tensor kept;
        using (var scope = Torch.NewScope())
        {
            var temp = Torch.Full([2], 3.0);
            kept = scope.MoveToOuter(temp * 2);
            Assert.Equal(1, scope.Count); // the temporary; the moved result belongs to no scope now
        }
        Assert.Equal([6f, 6f], kept.ToArray<float>());
        Assert.Equal(baseline + 1, Torch.LiveTensorCount);
        kept.Dispose();
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    [Fact]
    public void NestedScopesHandTensorsOutward()
    {
        var baseline = Torch.LiveTensorCount;
        using (var outer = Torch.NewScope())
        {
            Tensor fromInner;
            using (var inner = Torch.NewScope())
            {
                fromInner = Torch.Ones([3]).MoveToOuterScope();
            }
            Assert.False(fromInner.IsDisposed);
            Assert.Same(outer, TensorScope.Current);
            Assert.Equal(1, outer.Count);
        }
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    [Fact]
    public void UnownedTensorsDroppedUndisposedAreFreedByTheirFinalizer()
    {
        SettleFinalizers();
        var baseline = Torch.LiveTensorCount;
        DropThreeUnownedTensors();
        Assert.Equal(baseline + 3, Torch.LiveTensorCount);
        SettleFinalizers();
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    // Not inlined so that no local of the test method keeps the tensors reachable.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void DropThreeUnownedTensors()
    {
        _ = Torch.Ones([4]);                                  // made outside any scope
        using var scope = Torch.NewScope();
        scope.MoveToOuter(Torch.Ones([4]));                   // moved out of every scope
        Torch.Ones([4]).DetachFromScope();                    // detached from its scope
    }

    [Fact]
    public void AScopeNeverDisposedOnAFinishedThreadStillFreesItsTensors()
    {
        SettleFinalizers();
        var baseline = Torch.LiveTensorCount;
        var thread = new Thread(() =>
        {
            Torch.NewScope();                                 // deliberately never disposed
            _ = Torch.Ones([4]) + 1;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(baseline + 2, Torch.LiveTensorCount);
        // First collection finalizes the scope (which gives its tensors a safety net), the second frees them.
        SettleFinalizers();
        SettleFinalizers();
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }

    [Fact]
    public void DisposedTensorRefusesUse()
    {
        var t = Torch.Zeros([1]);
        t.Dispose();
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.Exp());
    }

    [Fact]
    public void ErrorsInsideAScopeLeakNothing()
    {
        var baseline = Torch.LiveTensorCount;
        using (Torch.NewScope())
        {
            var a = Torch.Ones([2, 3]);
            Assert.Throws<TorchException>(() => a.MatMul(a));
        }
        Assert.Equal(baseline, Torch.LiveTensorCount);
    }
}

/// <summary>Tests that read the process-wide live-tensor count must not run beside other tensor tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LiveCountCollection
{
    public const string Name = "live tensor count";
}
