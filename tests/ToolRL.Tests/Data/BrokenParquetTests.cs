using System.Buffers.Binary;
using ToolRL.Data;
using ToolRL.Data.Parquet;
using ToolRL.Testing;

namespace ToolRL.Tests.Data;

/// <summary>Truncated and corrupted files are refused with a <see cref="ParquetFormatException"/>, never half-read, hung or crashed.</summary>
public sealed class BrokenParquetTests : IDisposable
{
    private static readonly string Folder = TestPaths.InRepo("tests", "ToolRL.Tests", "Fixtures", "data", "parquet");
    private readonly string _dir = Directory.CreateTempSubdirectory("toolrl-broken-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0, "too short")]
    [InlineData(11, "too short")]
    public void TinyFilesAreRefused(int length, string message)
    {
        var e = Refused(File.ReadAllBytes(Fixture("duckdb-snappy-v1")).AsSpan(0, length).ToArray());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void AFileCutShortIsRefusedAtTheMissingFooterMagic()
    {
        var bytes = File.ReadAllBytes(Fixture("duckdb-snappy-v1"));

        var e = Refused(bytes.AsSpan(0, bytes.Length / 2).ToArray());

        Assert.Contains("does not end with the parquet magic 'PAR1' (truncated", e.Message);
    }

    [Fact]
    public void NotParquetAtAllIsSaidSo()
    {
        var e = Refused("{\"data_source\": \"rlla\"}\n{\"data_source\": \"rlla\"}\n"u8.ToArray());
        Assert.Contains("not a parquet file", e.Message);
    }

    [Fact]
    public void AnImpossibleFooterLengthIsRefused()
    {
        var bytes = File.ReadAllBytes(Fixture("parquetrs-snappy-v1"));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(bytes.Length - 8), int.MaxValue);

        var e = Refused(bytes);

        Assert.Contains($"footer length {int.MaxValue} does not fit", e.Message);
    }

    [Fact]
    public void AFooterCutInsideItsThriftIsRefused()
    {
        var bytes = File.ReadAllBytes(Fixture("duckdb-zstd-v2"));
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 8));
        // Keep the magic and a shorter length: the footer now ends in the middle of a struct.
        var cut = bytes.AsSpan(0, bytes.Length - 8 - footerLength / 2).ToArray()
            .Concat(BitConverter.GetBytes(footerLength / 2)).Concat("PAR1"u8.ToArray()).ToArray();

        var e = Refused(cut);

        Assert.Contains("footer", e.Message);
    }

    [Fact]
    public void ColumnDataRemovedFromTheMiddleIsRefused()
    {
        var bytes = File.ReadAllBytes(Fixture("parquetrs-gzip-v2"));
        // Drop 2 KB of pages: every later offset in the footer now points at the wrong bytes.
        var shortened = bytes.AsSpan(0, 100).ToArray().Concat(bytes.AsSpan(2148).ToArray()).ToArray();

        Refused(shortened);
    }

    [Fact]
    public void AFooterWhoseListRunsPastItsEndIsRefusedNotSpun()
    {
        // One flipped footer byte turns a field into a ColumnCryptoMetaData whose list count runs past the footer
        // (Parquet.Net 6.1, the reader used before, never returned from this one).
        var bytes = File.ReadAllBytes(Fixture("parquetrs-gzip-v2"));
        bytes[18377] = 193;

        var e = Refused(bytes);

        Assert.Contains("footer", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void TextThatIsNotUtf8IsRefusedNotReplaced()
    {
        // In an uncompressed file the strings sit in the pages as they are: break the 'ï' of "naïve" (C3 AF).
        var bytes = File.ReadAllBytes(Fixture("duckdb-uncompressed-v1"));
        var at = bytes.AsSpan().IndexOf("na\u00efve"u8);
        Assert.True(at > 0);
        bytes[at + 3] = 0xFF;

        var e = Refused(bytes);

        Assert.Contains("is annotated as text but holds bytes that are not valid UTF-8", e.Message);
    }

    [Theory]
    [InlineData("duckdb-snappy-v1")]
    [InlineData("duckdb-zstd-v2")]
    [InlineData("parquetrs-gzip-v2")]
    [InlineData("parquetrs-delta-v2")]
    [InlineData("parquetrs-lz4raw-v1")]
    [InlineData("parquetrs-gzip-v1")]
    [InlineData("duckdb-zstd-v1")]
    public void RandomByteCorruptionNeverCrashesTheReader(string name)
    {
        var original = File.ReadAllBytes(Fixture(name));
        var random = new SeededRandom(name.Length);
        var outcomes = new Dictionary<string, int>();
        for (var trial = 0; trial < 80; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (var flips = random.NextInclusive(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            var outcome = Outcome(bytes);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        // Every outcome is a clean read or a ParquetFormatException; anything else is a reader bug.
        Assert.All(outcomes.Keys, k => Assert.True(k is "read" or "refused", $"{name}: {k}"));
        Assert.True(outcomes.GetValueOrDefault("refused") > 0);
    }

    [Theory]
    [InlineData("duckdb-snappy-v1")]
    [InlineData("parquetrs-zstd-v2")]
    [InlineData("parquetrs-zstd-v1")]
    public void EveryTruncationIsRefused(string name)
    {
        var original = File.ReadAllBytes(Fixture(name));

        for (var length = 0; length < original.Length; length += 211)
        {
            Assert.Equal("refused", Outcome(original.AsSpan(0, length).ToArray()));
        }
    }

    private string Outcome(byte[] bytes)
    {
        var path = Path.Combine(_dir, "mutated.parquet");
        File.WriteAllBytes(path, bytes);
        try
        {
            _ = ParquetReader.ReadAllRows(path).Select(r => r.ToJsonString()).ToList();
            return "read";
        }
        catch (ParquetFormatException)
        {
            return "refused";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains("ToolRL.Data"))?.Trim()}";
        }
    }

    private ParquetFormatException Refused(byte[] bytes)
    {
        var path = Path.Combine(_dir, "broken.parquet");
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ParquetFormatException>(() => ParquetReader.ReadAllRows(path).ToList());
        Assert.Contains("broken.parquet", e.Message);
        return e;
    }

    private static string Fixture(string name) => Path.Combine(Folder, name + ".parquet");
}
