using System.Numerics;

namespace ToolRL.Rewards.Python;

/// <summary>
/// Python's <c>==</c> on decoded JSON values: <c>1 == 1.0 == True</c>, <c>0 == False == 0.0</c>,
/// <c>"5" != 5</c>, ints and floats compared exactly (<c>2**53 + 1 != 2.0**53</c>), dicts equal when they
/// hold the same keys with equal values in any order, lists equal item by item in order.
/// <para>
/// NaN: the operator <c>a == b</c> on two floats is IEEE (<c>nan != nan</c>), but list and dict
/// comparison use <c>PyObject_RichCompareBool</c>, which returns True for the same object before
/// comparing, and json gives every NaN literal the same object. So NaN equals NaN inside a container
/// (<c>inContainer</c> true) but not at the top of a direct comparison.
/// </para>
/// </summary>
internal static class PyEquality
{
    /// <summary>
    /// Python <c>a == b</c>. <paramref name="inContainer"/> selects the identity-first comparison used for
    /// list items and dict values.
    /// </summary>
    public static bool Equal(PyValue a, PyValue b, bool inContainer)
    {
        if (ReferenceEquals(a, b))
        {
            // Only the shared NaN object can be compared with itself here; see the class remarks.
            return inContainer || a.Kind != PyKind.Float || !double.IsNaN(a.Float);
        }
        if (a.IsNumber)
        {
            return b.IsNumber && NumbersEqual(a, b);
        }
        if (a.Kind != b.Kind)
        {
            return false;
        }
        return a.Kind switch
        {
            PyKind.None => true,
            PyKind.Str => string.Equals(a.Text, b.Text, StringComparison.Ordinal),
            PyKind.List => ListsEqual(a.Items!, b.Items!),
            _ => DictsEqual(a.Dict!, b.Dict!),
        };
    }

    /// <summary>Python list equality: same length and every item equal (identity first).</summary>
    public static bool ListsEqual(IReadOnlyList<PyValue> a, IReadOnlyList<PyValue> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (var i = 0; i < a.Count; i++)
        {
            if (!Equal(a[i], b[i], inContainer: true))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Python dict equality: same size and every key of <paramref name="a"/> maps to an equal value in <paramref name="b"/>.</summary>
    public static bool DictsEqual(PyDict a, PyDict b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        for (var i = 0; i < a.Count; i++)
        {
            var other = b.Get(a.KeyAt(i));
            if (other is null || !Equal(a.ValueAt(i), other, inContainer: true))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// A hash consistent with <see cref="Equal"/> inside containers, for <c>collections.Counter</c>; false
    /// for list and dict, which are unhashable in Python (<c>TypeError</c>).
    /// </summary>
    public static bool TryHash(PyValue value, out int hash)
    {
        switch (value.Kind)
        {
            case PyKind.List:
            case PyKind.Dict:
                hash = 0;
                return false;
            case PyKind.None:
                hash = 0x5bd1e995;
                return true;
            case PyKind.Str:
                hash = string.GetHashCode(value.Text!, StringComparison.Ordinal);
                return true;
            case PyKind.Bool:
            case PyKind.Int:
                hash = value.Integer.GetHashCode();
                return true;
            case PyKind.BigInt:
                hash = value.Big.GetHashCode();
                return true;
            default:
                hash = FloatHash(value.Float);
                return true;
        }
    }

    // Integral floats hash like the int they equal, so that Counter merges 1 and 1.0 as Python does.
    private static int FloatHash(double f)
    {
        if (double.IsNaN(f))
        {
            return 0x7ff8;
        }
        if (!double.IsFinite(f) || f != Math.Floor(f))
        {
            return f.GetHashCode();
        }
        return FitsInLong(f) ? ((long)f).GetHashCode() : new BigInteger(f).GetHashCode();
    }

    private static bool NumbersEqual(PyValue a, PyValue b)
    {
        if (a.Kind == PyKind.Float || b.Kind == PyKind.Float)
        {
            if (a.Kind == PyKind.Float && b.Kind == PyKind.Float)
            {
                return a.Float == b.Float;
            }
            return a.Kind == PyKind.Float ? IntegerEqualsFloat(b, a.Float) : IntegerEqualsFloat(a, b.Float);
        }
        if (a.Kind == PyKind.BigInt || b.Kind == PyKind.BigInt)
        {
            return AsBig(a) == AsBig(b);
        }
        return a.Integer == b.Integer;
    }

    // Python compares int and float exactly (float_richcompare), never by rounding the int to a double.
    private static bool IntegerEqualsFloat(PyValue integer, double f)
    {
        if (!double.IsFinite(f) || f != Math.Floor(f))
        {
            return false;
        }
        if (integer.Kind != PyKind.BigInt && FitsInLong(f))
        {
            return integer.Integer == (long)f;
        }
        return AsBig(integer) == new BigInteger(f);
    }

    private static bool FitsInLong(double f) => f >= -9223372036854775808.0 && f < 9223372036854775808.0;

    private static BigInteger AsBig(PyValue integer) => integer.Kind == PyKind.BigInt ? integer.Big : integer.Integer;
}
