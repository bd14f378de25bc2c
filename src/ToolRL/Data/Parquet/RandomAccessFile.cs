using Microsoft.Win32.SafeHandles;

namespace ToolRL.Data.Parquet;

/// <summary>A read-only file read by offset (positional reads, so row groups can be fetched independently).</summary>
internal sealed class RandomAccessFile : IDisposable
{
    private readonly SafeFileHandle _handle;

    public RandomAccessFile(string path)
    {
        Name = path;
        _handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Length = RandomAccess.GetLength(_handle);
    }

    public string Name { get; }

    public long Length { get; }

    /// <summary>Where the footer starts: column chunks must end before it.</summary>
    public long DataEnd { get; set; }

    public byte[] Read(long offset, int count)
    {
        if (offset < 0 || count < 0 || offset > Length - count)
        {
            throw new ParquetFormatException($"{Name}: bytes {offset}..{offset + count} lie beyond the end of the {Length}-byte file (truncated?)");
        }
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = RandomAccess.Read(_handle, buffer.AsSpan(read), offset + read);
            if (n == 0)
            {
                throw new ParquetFormatException($"{Name}: the file ended while reading bytes {offset}..{offset + count} (it shrank while being read?)");
            }
            read += n;
        }
        return buffer;
    }

    public void Dispose() => _handle.Dispose();
}
