using System.Globalization;
using System.Net;
using System.Text;
using ToolRL.Training.Metrics;

namespace ToolRL.Training.Reporting;

/// <summary>
/// The end-of-run report: one self-contained HTML file (inline CSS and SVG, no scripts, nothing fetched), with
/// a summary table and line charts of the metrics over steps (<see cref="ChartSpec.For"/> by default).
/// </summary>
internal static class HtmlReport
{
    /// <summary>Builds the report's HTML.</summary>
    /// <param name="title">Page heading (e.g. the config name).</param>
    /// <param name="rows">The run's metrics rows, in step order.</param>
    /// <param name="summary">Headline figures shown first, e.g. ("held-out correctness before GRPO", "0.12").</param>
    /// <param name="charts">Charts to draw; defaults to <see cref="ChartSpec.For"/>. A chart none of whose metrics occur is left out.</param>
    public static string Render(string title, IReadOnlyList<MetricsRow> rows, IReadOnlyList<(string Name, string Value)> summary, IReadOnlyList<ChartSpec>? charts = null)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title>{Esc(title)}</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:24px;color:#222;background:#fafafa}")
          .Append("h1{font-size:22px}table{border-collapse:collapse;margin:8px 0 20px}")
          .Append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left;font-size:13px}th{background:#eee}")
          .Append(".charts{display:flex;flex-wrap:wrap;gap:14px}.chart{border:1px solid #ddd;background:#fff}</style>");
        sb.Append("</head><body>");
        sb.Append(CultureInfo.InvariantCulture, $"<h1>{Esc(title)}</h1>");
        sb.Append(CultureInfo.InvariantCulture, $"<p>{rows.Count} logged steps; generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by ToolRL.NET.</p>");
        if (summary.Count > 0)
        {
            sb.Append("<h2>Summary</h2><table>");
            foreach (var (name, value) in summary)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><th>{Esc(name)}</th><td>{Esc(value)}</td></tr>");
            }
            sb.Append("</table>");
        }

        sb.Append("<h2>Over steps</h2><div class=\"charts\">");
        foreach (var chart in charts ?? ChartSpec.For(rows))
        {
            var series = chart.Series
                .Select(s => (s.Label, Points: (IReadOnlyList<(double X, double Y)>)rows
                    .Where(r => r.Values.ContainsKey(s.Metric))
                    .Select(r => ((double)r.Step, r.Values[s.Metric]))
                    .ToList()))
                .Where(s => s.Points.Count > 0)
                .ToList();
            if (series.Count > 0)
            {
                sb.Append("<div class=\"chart\">").Append(SvgLineChart.Render(chart.Title, series)).Append("</div>");
            }
        }
        sb.Append("</div>");

        if (rows.Count > 0)
        {
            sb.Append("<h2>Last step</h2><table><tr><th>metric</th><th>value</th></tr>");
            foreach (var (name, value) in rows[^1].Values)
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><td>{Esc(name)}</td><td>{value.ToString("G6", CultureInfo.InvariantCulture)}</td></tr>");
            }
            sb.Append("</table>");
        }
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
