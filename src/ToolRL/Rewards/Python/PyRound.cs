using System.Globalization;

namespace ToolRL.Rewards.Python;

/// <summary>
/// Python's <c>round(x, 2)</c> for floats: the exact binary value of <c>x</c> is rounded to 2 decimals with
/// ties to even (CPython's <c>_Py_dg_dtoa</c> mode 3), then read back correctly rounded. So
/// <c>round(0.125, 2) == 0.12</c>, <c>round(0.375, 2) == 0.38</c> and <c>round(2.675, 2) == 2.67</c> (2.675 is
/// really 2.67499999…). <c>Math.Round(x, 2, ToEven)</c> differs because it scales by 100 in floating point first.
/// </summary>
internal static class PyRound
{
    /// <summary><c>round(x, 2)</c>.</summary>
    public static double ToHundredths(double x)
    {
        if (!double.IsFinite(x) || x == 0)
        {
            return x;
        }
        var negative = x < 0;
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(x));
        var exponentBits = (int)((bits >> 52) & 0x7FF);
        var mantissa = (ulong)(bits & 0xFFFFFFFFFFFFFL);
        // |x| = mantissa * 2^exponent exactly.
        int exponent;
        if (exponentBits == 0)
        {
            exponent = -1074;
        }
        else
        {
            mantissa |= 1UL << 52;
            exponent = exponentBits - 1075;
        }
        if (exponent >= 0)
        {
            return x; // an integer already
        }
        // |x| * 100 = mantissa * 100 / 2^k, with mantissa * 100 < 2^60.
        var scaled = (UInt128)mantissa * 100;
        var k = -exponent;
        UInt128 quotient;
        if (k >= 127)
        {
            quotient = 0; // far below 0.005
        }
        else
        {
            quotient = scaled >> k;
            var remainder = scaled - (quotient << k);
            var half = (UInt128)1 << (k - 1);
            if (remainder > half || (remainder == half && (quotient & 1) == 1))
            {
                quotient++;
            }
        }
        double result;
        if (quotient < (UInt128)1 << 53)
        {
            // Both operands are exact doubles and IEEE division is correctly rounded.
            result = (double)(ulong)quotient / 100.0;
        }
        else
        {
            result = double.Parse(quotient.ToString(CultureInfo.InvariantCulture) + "e-2", CultureInfo.InvariantCulture);
        }
        return negative ? -result : result;
    }
}
