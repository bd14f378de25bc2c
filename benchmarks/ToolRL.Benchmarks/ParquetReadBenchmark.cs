using ToolRL.Data;

namespace ToolRL.Benchmarks;

/// <summary>
/// Parquet read throughput on rlla's test split (pyarrow: snappy, dictionary, list&lt;struct&gt;) replicated 100×
/// (8,000 rows, 100 row groups) into a temporary file: rows/s and MB/s of file read to JSON rows (Parquet.Net
/// decoding, <see cref="ParquetReader"/> assembling rows).
/// </summary>
public sealed class ParquetReadBenchmark : IBenchmark
{
    private const int Copies = 100;
    private const int Runs = 5;

    /// <inheritdoc />
    public string Name => "parquet";

    /// <inheritdoc />
    public void Run()
    {
        var source = BenchmarkPaths.ReferenceData("data", "rlla", "test.parquet");
        var folder = Directory.CreateTempSubdirectory("toolrl-bench-parquet-").FullName;
        try
        {
            var file = Path.Combine(folder, "rlla-test-x100.parquet");
            // Parquet.Net's merger copies the row groups byte for byte: pyarrow's own layout, only more of it.
            using (var output = File.Create(file))
            {
                var merger = new Parquet.Utils.FileMerger(Enumerable.Repeat(new FileInfo(source), Copies));
                merger.MergeFilesAsync(output).GetAwaiter().GetResult();
                merger.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            var megabytes = new FileInfo(file).Length / 1e6;
            long rows = 0;
            foreach (var _ in ParquetReader.ReadAllRows(file))
            {
                rows++; // warm-up run, also checks the replica reads whole
            }
            var times = new List<double>();
            for (var run = 0; run < Runs; run++)
            {
                var watch = Stopwatch.StartNew();
                var count = ParquetReader.ReadAllRows(file).LongCount();
                times.Add(watch.Elapsed.TotalSeconds);
                if (count != rows)
                {
                    throw new InvalidOperationException($"run {run} read {count} rows, expected {rows}");
                }
            }
            times.Sort();
            var median = times[Runs / 2];
            Console.WriteLine($"file: {megabytes:F1} MB, {rows} rows in {Copies} row groups (rlla test.parquet x{Copies})");
            Console.WriteLine($"read to JSON rows, median of {Runs}: {median * 1000:F0} ms = {rows / median:F0} rows/s, {megabytes / median:F1} MB/s (best {rows / times[0]:F0} rows/s)");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
