using System.Reflection;

namespace ToolRL.Data.Parquet;

/// <summary>
/// Parses the footer with Parquet.Net's own Thrift reader over a stream that throws at its end, before
/// Parquet.Net opens the file. Parquet.Net 6.1 reads the footer from a memory copy in which a read past the end
/// yields no error, so a corrupt list count makes its varint loop spin forever; here the same parse stops at the
/// first byte past the footer and the file is refused. The reader is internal to Parquet.Net, hence reflection;
/// <c>BrokenParquetTests</c> fail if a Parquet.Net update moves it.
/// </summary>
internal static class FooterCheck
{
    private static readonly ConstructorInfo? ReaderConstructor = typeof(global::Parquet.ParquetReader).Assembly
        .GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader")?.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, [typeof(Stream)]);

    private static readonly MethodInfo? ReadFileMetaData = typeof(global::Parquet.Meta.FileMetaData)
        .GetMethod("Read", BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static);

    /// <summary>True when this Parquet.Net version exposes the pieces the check needs.</summary>
    public static bool IsAvailable => ReaderConstructor is not null && ReadFileMetaData is not null;

    /// <summary>Parses <paramref name="footer"/>; throws <see cref="EndOfStreamException"/> or Parquet.Net's own error when it is corrupt.</summary>
    public static void Parse(byte[] footer)
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException("Parquet.Net's Thrift reader was not found; ToolRL.Data.Parquet.FooterCheck needs updating for this Parquet.Net version");
        }
        using var stream = new EndGuardStream(footer);
        try
        {
            ReadFileMetaData!.Invoke(null, [ReaderConstructor!.Invoke([stream])]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
