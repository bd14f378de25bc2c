using ToolRL.Training.Metrics;

namespace ToolRL.Tests.Training;

public sealed class MetricsLogTests : IDisposable
{
    private readonly TempDirectory _temp = new("metrics");

    public void Dispose() => _temp.Dispose();

    private static MetricsRow Row(long step, params (string, double)[] values) =>
        new(step, values.ToDictionary(v => v.Item1, v => v.Item2));

    [Fact]
    public void JsonlAndCsvHoldEveryStepWithColumnsInFirstAppearanceOrder()
    {
        var log = MetricsLog.Create(_temp.Path);
        log.Append(Row(1, ("actor/pg_loss", 0.5), ("critic/score/mean", 1.25)));
        log.Append(Row(2, ("actor/pg_loss", -0.25), ("critic/score/mean", 1.5), ("val/reward/mean", 2)));
        log.Append(Row(3, ("actor/pg_loss", 0.125), ("actor/grad_norm", double.NaN)));

        Assert.Equal(
            "step,actor/pg_loss,critic/score/mean,val/reward/mean,actor/grad_norm\n" +
            "1,0.5,1.25,,\n" +
            "2,-0.25,1.5,2,\n" +
            "3,0.125,,,NaN\n",
            File.ReadAllText(log.CsvPath));

        var back = MetricsLog.ReadJsonl(log.JsonlPath);
        Assert.Equal(3, back.Count);
        Assert.Equal(2.0, back[1].Get("val/reward/mean"));
        Assert.True(double.IsNaN(back[2].Get("actor/grad_norm")!.Value));
        Assert.Equal("{\"step\":1,\"actor/pg_loss\":0.5,\"critic/score/mean\":1.25}", File.ReadAllLines(log.JsonlPath)[0]);
    }

    [Fact]
    public void ResumeDropsStepsAfterTheCheckpointAndIgnoresATornLastLine()
    {
        var log = MetricsLog.Create(_temp.Path);
        for (var s = 1; s <= 5; s++)
        {
            log.Append(Row(s, ("x", s)));
        }
        File.AppendAllText(log.JsonlPath, "{\"step\":6,\"x\":");   // killed mid-append

        var resumed = MetricsLog.Resume(_temp.Path, resumedStep: 3);
        Assert.Equal([1L, 2L, 3L], resumed.Rows.Select(r => r.Step));
        Assert.Equal(3, File.ReadAllLines(resumed.JsonlPath).Length);
        Assert.Equal(4, File.ReadAllLines(resumed.CsvPath).Length);
        resumed.Append(Row(4, ("x", 40)));
        Assert.Equal(40, MetricsLog.ReadJsonl(resumed.JsonlPath)[^1].Get("x"));
    }

    [Fact]
    public void StepsMustIncrease()
    {
        var log = MetricsLog.Create(_temp.Path);
        log.Append(Row(2, ("x", 1)));
        var e = Assert.Throws<ArgumentException>(() => log.Append(Row(2, ("x", 1))));
        Assert.Contains("step 2", e.Message);
    }

    [Fact]
    public void CorruptMiddleLineIsRefusedWithItsLineNumber()
    {
        Directory.CreateDirectory(_temp.Path);
        var path = Path.Combine(_temp.Path, MetricsLog.JsonlFileName);
        File.WriteAllText(path, "{\"step\":1,\"x\":1}\nnot json\n{\"step\":3,\"x\":1}\n");
        var e = Assert.Throws<InvalidDataException>(() => MetricsLog.ReadJsonl(path));
        Assert.Contains("line 2", e.Message);
    }
}
