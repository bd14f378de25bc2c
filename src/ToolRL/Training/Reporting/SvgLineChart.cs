using System.Globalization;
using System.Net;
using System.Text;

namespace ToolRL.Training.Reporting;

/// <summary>
/// Renders a line chart as standalone inline SVG (no scripts, no fonts or styles fetched from anywhere), so the
/// report opens offline in any browser. Non-finite points break the line rather than distorting the axis.
/// </summary>
internal static class SvgLineChart
{
    private const double Width = 560, Height = 260, Left = 58, Right = 12, Top = 30, Bottom = 52;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"];

    /// <summary>The SVG of a chart of <paramref name="series"/> (label, points (x, y)); "no data" when every series is empty.</summary>
    public static string Render(string title, IReadOnlyList<(string Label, IReadOnlyList<(double X, double Y)> Points)> series)
    {
        var finite = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Esc(title)}\">");
        sb.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"18\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"14\" font-weight=\"bold\">{Esc(title)}</text>");
        if (finite.Count == 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"12\" fill=\"#888\">no data</text></svg>");
            return sb.ToString();
        }

        var (xMin, xMax) = Range(finite.Select(p => p.X));
        var (yMin, yMax) = Range(finite.Select(p => p.Y));
        var yTicks = NiceTicks(yMin, yMax, 6);
        yMin = Math.Min(yMin, yTicks[0]);
        yMax = Math.Max(yMax, yTicks[^1]);
        var xTicks = NiceTicks(xMin, xMax, 6).Where(t => t >= xMin && t <= xMax).ToList();
        double Px(double x) => Left + (x - xMin) / (xMax - xMin) * (Width - Left - Right);
        double Py(double y) => Height - Bottom - (y - yMin) / (yMax - yMin) * (Height - Top - Bottom);

        // Grid and axes.
        foreach (var t in yTicks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{F(Py(t))}\" y2=\"{F(Py(t))}\" stroke=\"#e5e5e5\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{F(Py(t) + 4)}\" text-anchor=\"end\" font-family=\"sans-serif\" font-size=\"10\">{Esc(Label(t))}</text>");
        }
        foreach (var t in xTicks)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(Px(t))}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"10\">{Esc(Label(t))}</text>");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#333\"/>");
        sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - Bottom + 28}\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"10\">step</text>");

        // Lines (a single point is drawn as a dot), then the legend.
        for (var i = 0; i < series.Count; i++)
        {
            var color = Palette[i % Palette.Length];
            foreach (var run in FiniteRuns(series[i].Points))
            {
                if (run.Count == 1)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Px(run[0].X))}\" cy=\"{F(Py(run[0].Y))}\" r=\"3\" fill=\"{color}\"/>");
                    continue;
                }
                sb.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" points=\"");
                sb.AppendJoin(' ', run.Select(p => F(Px(p.X)) + "," + F(Py(p.Y))));
                sb.Append("\"/>");
                if (run.Count <= 20)
                {
                    foreach (var p in run)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{F(Px(p.X))}\" cy=\"{F(Py(p.Y))}\" r=\"2.2\" fill=\"{color}\"/>");
                    }
                }
            }
            var lx = Left + 4 + i * ((Width - Left - Right) / Math.Max(series.Count, 1));
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{F(lx)}\" y=\"{Height - 14}\" width=\"12\" height=\"3\" fill=\"{color}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{F(lx + 16)}\" y=\"{Height - 9}\" font-family=\"sans-serif\" font-size=\"10\">{Esc(series[i].Label)}</text>");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    /// <summary>Round tick values ("1, 2, 5 × 10^k" spacing) covering [min, max], about <paramref name="count"/> of them.</summary>
    public static IReadOnlyList<double> NiceTicks(double min, double max, int count)
    {
        var span = max - min;
        var raw = span / Math.Max(count - 1, 1);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(m => m * magnitude).First(s => s >= raw);
        var first = Math.Floor(min / step) * step;
        var ticks = new List<double>();
        for (var t = first; t <= max + step * 0.5; t += step)
        {
            ticks.Add(Math.Round(Math.Round(t / step) * step, 12));
        }
        return ticks;
    }

    private static (double Min, double Max) Range(IEnumerable<double> values)
    {
        var list = values.ToList();
        double min = list.Min(), max = list.Max();
        if (max - min < 1e-12)
        {
            // A flat series still needs a visible band around it.
            var pad = Math.Max(Math.Abs(min) * 0.1, 0.5);
            return (min - pad, max + pad);
        }
        return (min, max);
    }

    private static IEnumerable<List<(double X, double Y)>> FiniteRuns(IReadOnlyList<(double X, double Y)> points)
    {
        var run = new List<(double X, double Y)>();
        foreach (var p in points)
        {
            if (double.IsFinite(p.X) && double.IsFinite(p.Y))
            {
                run.Add(p);
            }
            else if (run.Count > 0)
            {
                yield return run;
                run = [];
            }
        }
        if (run.Count > 0)
        {
            yield return run;
        }
    }

    private static string Label(double v) => Math.Abs(v) >= 1e4 || (Math.Abs(v) < 1e-3 && v != 0)
        ? v.ToString("0.##E+0", CultureInfo.InvariantCulture)
        : v.ToString("0.####", CultureInfo.InvariantCulture);

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
