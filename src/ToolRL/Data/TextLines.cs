using System.Text;

namespace ToolRL.Data;

/// <summary>
/// The one rule for reading text input line by line (JSONL datasets, reward cases, corpora): the file must be
/// UTF-8, and a line with invalid bytes is refused with its number, never silently repaired with U+FFFD.
/// </summary>
public static class TextLines
{
    /// <summary>Streams the lines of <paramref name="path"/> with their 1-based numbers.</summary>
    /// <exception cref="DatasetException">The file is missing, or a line is not valid UTF-8 (the message names the line).</exception>
    public static IEnumerable<(int Number, string Text)> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetException($"{path}: file not found; fix: pass the path of an existing file");
        }
        return ReadExisting(path);
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Lines are split on '\n' as bytes and each is decoded on its own, so a bad byte is blamed on its own line
    // (a StreamReader decodes whole buffers and would name the first line of the buffer).
    private static IEnumerable<(int Number, string Text)> ReadExisting(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var line = new MemoryStream();
        var number = 0;
        var atStart = true;
        int b;
        while ((b = stream.ReadByte()) >= 0)
        {
            if (b != '\n')
            {
                line.WriteByte((byte)b);
                continue;
            }
            yield return (++number, Decode(path, number, line, ref atStart));
        }
        if (line.Length > 0)
        {
            yield return (++number, Decode(path, number, line, ref atStart));
        }
    }

    private static string Decode(string path, int number, MemoryStream line, ref bool atStart)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        line.SetLength(0);
        if (atStart && bytes.StartsWith(Strict.Preamble))
        {
            bytes = bytes[Strict.Preamble.Length..];   // a UTF-8 byte-order mark, as StreamReader skips it
        }
        atStart = false;
        if (bytes.Length > 0 && bytes[^1] == '\r')
        {
            bytes = bytes[..^1];
        }
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new DatasetException($"{path}:{number}: not valid UTF-8 (byte {e.Index + 1} of the line); fix: save the file as UTF-8", e);
        }
    }
}
