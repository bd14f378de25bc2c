using System.Globalization;
using System.Text;
using ToolRL.Rewards.Python;
using ToolRL.Tokenization;

namespace ToolRL.Evaluation.Bfcl;

/// <summary>
/// <c>json.dumps</c> of a decoded value, byte for byte as Python writes it: <c>", "</c> / <c>": "</c> separators,
/// keys in order, floats in <c>repr</c> form (so <c>5.0</c> stays a float when read back), <c>NaN</c>/<c>Infinity</c>.
/// </summary>
internal static class PyValueJson
{
    /// <param name="value">The value.</param>
    /// <param name="ensureAscii">Python's default: escape non-ASCII as <c>\uXXXX</c> (prompts); false keeps it raw (output files).</param>
    public static string Dumps(PyValue value, bool ensureAscii = false)
    {
        var builder = new StringBuilder();
        Write(builder, value, ensureAscii);
        return builder.ToString();
    }

    public static void Write(StringBuilder builder, PyValue value, bool ensureAscii)
    {
        switch (value.Kind)
        {
            case PyKind.None:
                builder.Append("null");
                break;
            case PyKind.Bool:
                builder.Append(value.Integer == 1 ? "true" : "false");
                break;
            case PyKind.Int:
                builder.Append(value.Integer.ToString(CultureInfo.InvariantCulture));
                break;
            case PyKind.BigInt:
                builder.Append(value.Big.ToString(CultureInfo.InvariantCulture));
                break;
            case PyKind.Float:
                builder.Append(PythonJson.FormatFloat(value.Float));
                break;
            case PyKind.Str:
                PythonJson.WriteString(builder, value.Text!, ensureAscii);
                break;
            case PyKind.List:
                builder.Append('[');
                var items = value.Items!;
                for (var i = 0; i < items.Count; i++)
                {
                    builder.Append(i > 0 ? ", " : "");
                    Write(builder, items[i], ensureAscii);
                }
                builder.Append(']');
                break;
            default:
                builder.Append('{');
                var dict = value.Dict!;
                for (var i = 0; i < dict.Count; i++)
                {
                    builder.Append(i > 0 ? ", " : "");
                    PythonJson.WriteString(builder, dict.KeyAt(i), ensureAscii);
                    builder.Append(": ");
                    Write(builder, dict.ValueAt(i), ensureAscii);
                }
                builder.Append('}');
                break;
        }
    }
}
