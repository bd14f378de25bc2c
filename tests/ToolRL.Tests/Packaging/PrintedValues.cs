using System.Globalization;
using System.Text.RegularExpressions;

namespace ToolRL.Tests.Packaging;

/// <summary>Reads what a sample or script prints: <c>key=value</c> pairs and invariant-culture numbers.</summary>
internal static partial class PrintedValues
{
    /// <summary>Every <c>key=value</c> of <paramref name="line"/> (keys may hold <c>/ - ^</c>, as metric names do).</summary>
    public static Dictionary<string, string> KeyValues(string line) =>
        KeyValuePattern().Matches(line).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    /// <summary>A printed number.</summary>
    public static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"([\w/\-\^]+)=(\S+)")]
    private static partial Regex KeyValuePattern();
}
