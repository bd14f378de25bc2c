namespace ToolRL.Data.Parquet;

/// <summary>A read-only memory stream that throws on any read at or past its end (see <see cref="FooterCheck"/>).</summary>
internal sealed class EndGuardStream(byte[] bytes) : MemoryStream(bytes, writable: false)
{
    public override int Read(byte[] buffer, int offset, int count)
    {
        ThrowAtEnd(count);
        return base.Read(buffer, offset, count);
    }

    public override int Read(Span<byte> buffer)
    {
        ThrowAtEnd(buffer.Length);
        return base.Read(buffer);
    }

    public override int ReadByte()
    {
        ThrowAtEnd(1);
        return base.ReadByte();
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ThrowAtEnd(count);
        return base.ReadAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowAtEnd(buffer.Length);
        return base.ReadAsync(buffer, cancellationToken);
    }

    private void ThrowAtEnd(int requested)
    {
        if (requested > 0 && Position >= Length)
        {
            throw new EndOfStreamException($"the footer ends in the middle of a value (read past its {Length} bytes; corrupt)");
        }
    }
}
