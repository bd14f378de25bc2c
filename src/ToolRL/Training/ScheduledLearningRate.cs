using ToolRL.Configuration;
using ToolRL.Torch.Optim;

namespace ToolRL.Training;

/// <summary>An <see cref="LrSchedulerConfig"/> evaluated: the learning rate after a number of scheduler steps.</summary>
internal static class ScheduledLearningRate
{
    /// <summary>The rate after <paramref name="stepsTaken"/> of <paramref name="totalSteps"/> steps, from <paramref name="baseLr"/>.</summary>
    public static double After(LrSchedulerConfig schedule, long stepsTaken, int totalSteps, double baseLr)
    {
        var warmup = schedule.WarmupStepsFor(totalSteps);
        return schedule.Type switch
        {
            LrSchedulerType.Cosine => LrSchedules.CosineWithWarmup(stepsTaken, warmup, totalSteps, baseLr, schedule.MinLrRatio),
            LrSchedulerType.Linear => LrSchedules.LinearWithWarmup(stepsTaken, warmup, totalSteps, baseLr, schedule.MinLrRatio),
            _ => LrSchedules.Constant(stepsTaken, warmup, baseLr),
        };
    }
}
