using System.Diagnostics;

namespace ToolRL.Training.Metrics;

/// <summary>Accumulates wall time per named section of a step (verl's <c>timing_s/*</c> metrics).</summary>
internal sealed class StepTimer
{
    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);

    /// <summary>Times the section until the returned handle is disposed: <c>using (timer.Time("timing_s/gen")) { … }</c>.</summary>
    public IDisposable Time(string metric) => new Section(this, metric);

    /// <summary>The accumulated seconds per section, in first-use order.</summary>
    public IReadOnlyDictionary<string, double> Seconds => _seconds;

    private sealed class Section(StepTimer owner, string metric) : IDisposable
    {
        private readonly long _start = Stopwatch.GetTimestamp();

        public void Dispose()
        {
            var elapsed = Stopwatch.GetElapsedTime(_start).TotalSeconds;
            owner._seconds[metric] = owner._seconds.GetValueOrDefault(metric) + elapsed;
        }
    }
}
