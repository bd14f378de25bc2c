using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using ToolRL.Training.Metrics;
using ToolRL.Training.Reporting;

namespace ToolRL.Tests.Training;

public class HtmlReportTests
{
    private static List<MetricsRow> Rows(int n) => Enumerable.Range(1, n)
        .Select(i => new MetricsRow(i, new Dictionary<string, double>
        {
            ["critic/score/mean"] = i * 0.1,
            ["rewards/toolrl/format/mean"] = 0.5 + i * 0.01,
            ["response_length/mean"] = 40 + i,
            ["actor/pg_loss"] = i == 3 ? double.NaN : -0.01 * i,
        }))
        .ToList();

    private static List<XElement> Svgs(string html) =>
        Regex.Matches(html, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => XElement.Parse(m.Value)).ToList();

    [Fact]
    public void EverySvgIsWellFormedAndOnlyChartsWithDataAppear()
    {
        var html = HtmlReport.Render("run", Rows(10), [("held-out correctness", "0.1 → 0.6")]);
        var titles = Svgs(html).Select(s => s.Attribute("aria-label")!.Value).ToList();
        Assert.Equal(["Reward", "toolrl/format reward", "Response length (tokens)", "Loss"], titles);
        Assert.Contains("held-out correctness", html);
        Assert.Contains("0.1 → 0.6", html);
    }

    [Fact]
    public void ReportIsSelfContained()
    {
        var html = HtmlReport.Render("<run & co>", Rows(5), []);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        // The only URL is the SVG namespace identifier, which browsers never fetch.
        var urls = Regex.Matches(html, "https?://[^\"']+").Select(m => m.Value).Distinct().ToList();
        Assert.Equal(["http://www.w3.org/2000/svg"], urls);
        Assert.Contains("&lt;run &amp; co&gt;", html);
    }

    [Fact]
    public void PolylinePointsFollowTheDataAndNaNBreaksTheLine()
    {
        var html = HtmlReport.Render("run", Rows(10), []);
        var reward = Svgs(html).Single(s => s.Attribute("aria-label")!.Value == "Reward");
        var points = reward.Descendants().Single(e => e.Name.LocalName == "polyline").Attribute("points")!.Value
            .Split(' ').Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(10, points.Count);
        // x grows with the step; y (SVG grows downward) falls as the reward rises, and evenly for a linear series.
        for (var i = 1; i < points.Count; i++)
        {
            Assert.True(points[i][0] > points[i - 1][0]);
            Assert.True(points[i][1] < points[i - 1][1]);
            Assert.Equal(points[1][1] - points[0][1], points[i][1] - points[i - 1][1], 1);
        }
        var loss = Svgs(html).Single(s => s.Attribute("aria-label")!.Value == "Loss");
        var runs = loss.Descendants().Where(e => e.Name.LocalName == "polyline").Select(e => e.Attribute("points")!.Value.Split(' ').Length).ToList();
        Assert.Equal([2, 7], runs);
    }

    [Fact]
    public void NiceTicksAreRoundAndCoverTheRange()
    {
        Assert.Equal([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], SvgLineChart.NiceTicks(0.03, 0.97, 6));
        Assert.Equal([-2.0, -1.0, 0.0, 1.0, 2.0], SvgLineChart.NiceTicks(-1.6, 1.9, 5));
    }
}
