using System.Runtime.CompilerServices;

namespace ToolRL.Tokenization;

/// <summary>
/// Open-addressing hash map from a token-id pair to its merge rank. BPE asks "is (a, b) a merge?" tens of
/// times per word, mostly for pairs that are not; <c>Dictionary&lt;long, int&gt;</c> hashes a long as
/// <c>low ^ high</c>, which for two small ids clusters badly. Here the packed pair is spread by Fibonacci
/// hashing and probed linearly in flat arrays at a load factor of at most 1/2.
/// </summary>
internal sealed class PairRankTable
{
    private const long Empty = -1;

    private readonly long[] _keys;
    private readonly int[] _ranks;
    private readonly int _shift;
    private readonly int _mask;

    /// <summary>Creates a table able to hold <paramref name="capacity"/> pairs.</summary>
    public PairRankTable(int capacity)
    {
        var bits = Math.Max(4, (int)Math.Ceiling(Math.Log2(Math.Max(1, capacity) * 2.0)));
        _keys = new long[1 << bits];
        _ranks = new int[1 << bits];
        Array.Fill(_keys, Empty);
        _shift = 64 - bits;
        _mask = (1 << bits) - 1;
    }

    /// <summary>Sets the rank of (left, right), replacing an earlier one.</summary>
    public void Set(int left, int right, int rank)
    {
        var key = Pack(left, right);
        var slot = Slot(key);
        while (_keys[slot] != Empty && _keys[slot] != key)
        {
            slot = (slot + 1) & _mask;
        }
        _keys[slot] = key;
        _ranks[slot] = rank;
    }

    /// <summary>The rank of (left, right), if it is a merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryGet(int left, int right, out int rank)
    {
        var key = Pack(left, right);
        var slot = Slot(key);
        while (true)
        {
            var found = _keys[slot];
            if (found == key)
            {
                rank = _ranks[slot];
                return true;
            }
            if (found == Empty)
            {
                rank = 0;
                return false;
            }
            slot = (slot + 1) & _mask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pack(int left, int right) => ((long)left << 32) | (uint)right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(long key) => (int)((ulong)(key * unchecked((long)0x9E3779B97F4A7C15)) >> _shift);
}
