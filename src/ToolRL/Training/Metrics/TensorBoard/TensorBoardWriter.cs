using System.Globalization;

namespace ToolRL.Training.Metrics.TensorBoard;

/// <summary>
/// Writes a TensorBoard event file (<c>events.out.tfevents.{unix seconds}.{host}</c>) in a folder: scalars under
/// their metric names (verl's, e.g. <c>critic/score/mean</c>, which TensorBoard groups by the part before the
/// first slash) and texts such as validation samples. Each record is flushed as written, so TensorBoard shows a
/// running job live and a killed job loses at most the record being written (TensorBoard skips a torn tail).
/// </summary>
internal sealed class TensorBoardWriter : IDisposable
{
    private static int _opened;

    private readonly FileStream _file;
    private readonly Func<double> _clock;

    /// <summary>Creates a new event file in <paramref name="directory"/> (created if needed).</summary>
    /// <param name="directory">The log folder (point <c>tensorboard --logdir</c> at it or a parent).</param>
    /// <param name="clock">Wall time in Unix seconds (default: now); tests pass a fixed clock.</param>
    public TensorBoardWriter(string directory, Func<double>? clock = null)
    {
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        Directory.CreateDirectory(directory);
        var start = _clock();
        var host = string.Concat(Environment.MachineName.Where(char.IsAsciiLetterOrDigit).DefaultIfEmpty('h'));
        // Process id and a counter keep two writers started in the same second (e.g. SFT then GRPO) apart.
        var name = string.Create(CultureInfo.InvariantCulture,
            $"events.out.tfevents.{(long)start:D10}.{host}.{Environment.ProcessId}.{Interlocked.Increment(ref _opened)}");
        Path = System.IO.Path.Combine(directory, name);
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        Append(EventEncoder.FileVersion(start));
    }

    /// <summary>The event file's path.</summary>
    public string Path { get; }

    /// <summary>Writes one scalar (stored as float32, as TensorBoard keeps scalars).</summary>
    public void AddScalar(string tag, double value, long step) => Append(EventEncoder.Scalar(_clock(), step, tag, (float)value));

    /// <summary>Writes every value of a step's metrics, in name order.</summary>
    public void AddScalars(IReadOnlyDictionary<string, double> values, long step)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var (tag, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            AddScalar(tag, value, step);
        }
    }

    /// <summary>Writes a text (rendered as markdown by TensorBoard's text plugin).</summary>
    public void AddText(string tag, string text, long step) => Append(EventEncoder.Text(_clock(), step, tag, text));

    private void Append(byte[] record)
    {
        TfRecordWriter.Write(_file, record);
        _file.Flush();
    }

    /// <inheritdoc />
    public void Dispose() => _file.Dispose();
}
