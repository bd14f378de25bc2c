using System.Globalization;
using Spectre.Console;
using ToolRL.Rewards;
using ToolRL.Training;
using ToolRL.Training.Metrics;

namespace ToolRL.Cli.Training;

/// <summary>
/// Console progress of <c>toolrl train</c> (Spectre.Console): one line per step with the phase, step/total, reward,
/// format and correctness, KL, loss, seconds per step and the estimated time left; validation results stand out.
/// </summary>
internal sealed class TrainingConsole(IAnsiConsole console)
{
    private string? _phase;
    private long _firstStep;

    /// <summary>A note from the pipeline (stage started/finished, files written).</summary>
    public void Note(string message) => console.MarkupLine($"[grey]{Markup.Escape(message)}[/]");

    /// <summary>A headline (e.g. the before/after table's title).</summary>
    public void Headline(string message) => console.Write(new Rule($"[bold]{Markup.Escape(message)}[/]").LeftJustified());

    /// <summary>Prints the progress line of one step.</summary>
    public void Step(TrainingStepResult step)
    {
        if (step.Phase != _phase)
        {
            _phase = step.Phase;
            _firstStep = step.Step;
        }
        // Elapsed counts from the phase's start in this process (a resumed run starts its clock at the resume).
        var done = Math.Max(1, step.Step - _firstStep + 1);
        var perStep = step.Elapsed.TotalSeconds / done;
        var eta = TimeSpan.FromSeconds(perStep * (step.TotalSteps - step.Step));
        var parts = new List<string>
        {
            $"[bold]{Markup.Escape(step.Phase)}[/] {step.Step,4}/{step.TotalSteps}",
        };
        Add(parts, "loss", step[MetricNames.SftLoss]);
        Add(parts, "reward", step[MetricNames.ScoreMean]);
        Add(parts, "format", step[MetricNames.RewardFunctionMean(ToolRLRewardFunction.FormatComponent)]);
        Add(parts, "correct", step[MetricNames.RewardFunctionMean(ToolRLRewardFunction.CorrectnessComponent)]);
        Add(parts, "kl", step[MetricNames.RewardKlPenalty] ?? step[MetricNames.KlLoss] ?? step[MetricNames.PpoKl]);
        Add(parts, "pg_loss", step[MetricNames.PgLoss]);
        Add(parts, "vf_ev", step[MetricNames.VfExplainedVar]);
        Add(parts, "len", step[MetricNames.ResponseLengthMean], "0.0");
        parts.Add($"{perStep:0.0}s/step");
        parts.Add($"ETA {Format(eta)}");
        console.MarkupLine(string.Join("  ", parts));
        if (step[MetricNames.ValRewardMean] is { } val)
        {
            console.MarkupLine(
                $"  [green]held-out[/] reward {val:0.000}  format {step[MetricNames.ValRewardFunctionMean(ToolRLRewardFunction.FormatComponent)] ?? double.NaN:0.000}  " +
                $"correctness {step[MetricNames.ValRewardFunctionMean(ToolRLRewardFunction.CorrectnessComponent)] ?? double.NaN:0.000}  exact-match {step[MetricNames.ValExactMatch] ?? double.NaN:0.000}");
        }
    }

    /// <summary>Prints a two-column table of figures (e.g. held-out reward before and after GRPO).</summary>
    public void Table(string title, IReadOnlyList<string> columns, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            table.AddColumn(Markup.Escape(column));
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        console.Write(table);
    }

    private static void Add(List<string> parts, string name, double? value, string format = "0.000")
    {
        if (value is { } v)
        {
            parts.Add($"{name} {v.ToString(format, CultureInfo.InvariantCulture)}");
        }
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : $"{t.Minutes}m{t.Seconds:00}s";
}
