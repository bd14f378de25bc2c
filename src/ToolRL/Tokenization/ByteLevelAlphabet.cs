namespace ToolRL.Tokenization;

/// <summary>
/// The GPT-2 byte-to-unicode map used by byte-level BPE (Qwen2 inherits it unchanged): printable bytes
/// 33–126, 161–172 and 174–255 stand for themselves, the other 68 bytes are shifted to U+0100… in byte
/// order, so every byte string becomes a string of visible characters (space → 'Ġ', '\n' → 'Ċ').
/// </summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character that stands for each byte value.</summary>
    public static readonly char[] ByteToChar = BuildByteToChar();

    /// <summary>The byte for each mapped character, or -1; indexed by char (all mapped chars are &lt; U+0144).</summary>
    public static readonly short[] CharToByte = BuildCharToByte();

    /// <summary>
    /// The 256 bytes in the order of GPT-2's <c>bytes_to_unicode</c> list (printable ranges first, then the
    /// shifted bytes). Qwen2's vocabulary gives byte number k of this order the id k.
    /// </summary>
    public static readonly byte[] CanonicalOrder = BuildCanonicalOrder();

    /// <summary>Maps a UTF-8 byte string to its byte-level character string.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = ByteToChar[source[i]];
            }
        });
    }

    /// <summary>
    /// Maps a byte-level character string back to bytes; returns false when a character is not part of the
    /// alphabet (the token then is not a byte-level token).
    /// </summary>
    public static bool TryDecode(string symbols, out byte[] bytes)
    {
        bytes = new byte[symbols.Length];
        for (var i = 0; i < symbols.Length; i++)
        {
            var c = symbols[i];
            if (c >= CharToByte.Length || CharToByte[c] < 0)
            {
                return false;
            }
            bytes[i] = (byte)CharToByte[c];
        }
        return true;
    }

    private static bool IsPrintable(int b) => b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174 and <= 255;

    private static byte[] BuildCanonicalOrder()
    {
        var order = new List<byte>(256);
        for (var b = 0; b < 256; b++)
        {
            if (IsPrintable(b))
            {
                order.Add((byte)b);
            }
        }
        for (var b = 0; b < 256; b++)
        {
            if (!IsPrintable(b))
            {
                order.Add((byte)b);
            }
        }
        return [.. order];
    }

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            map[b] = IsPrintable(b) ? (char)b : (char)(256 + shifted++);
        }
        return map;
    }

    private static short[] BuildCharToByte()
    {
        var inverse = new short[256 + 68];
        Array.Fill(inverse, (short)-1);
        var forward = BuildByteToChar();
        for (var b = 0; b < 256; b++)
        {
            inverse[forward[b]] = (short)b;
        }
        return inverse;
    }
}
