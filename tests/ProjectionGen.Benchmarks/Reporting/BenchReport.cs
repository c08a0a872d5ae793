using System.Globalization;
using System.Text;

namespace ProjectionGen.Benchmarks.Reporting;

/// <summary>One table of the report: a scenario's results with what was measured and how.</summary>
public sealed record ReportSection(string Title, string Description, IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Lines, IReadOnlyList<string> Notes);

/// <summary>A benchmark target with the measured value and whether it was met (reported, never asserted).</summary>
public sealed record TargetCheck(string Target, string Goal, string Measured, bool Met, string Margin);

/// <summary>One measured number, as a CSV line.</summary>
public sealed record Measurement(string Scenario, string Contender, string Metric, double Value, string Unit);

/// <summary>Everything one benchmark run measured; written as markdown, CSV and a chart.</summary>
public sealed class BenchReport
{
    private readonly List<ReportSection> sections = [];
    private readonly List<TargetCheck> targets = [];
    private readonly List<Measurement> measurements = [];
    private readonly List<(string Label, double EventsPerSecond)> catchUp = [];

    /// <summary>The run's settings line (server, cores, sizes).</summary>
    public string Setup { get; set; } = "";

    /// <summary>The report's tables in order.</summary>
    public IReadOnlyList<ReportSection> Sections => sections;

    /// <summary>The goals and how they fared.</summary>
    public IReadOnlyList<TargetCheck> Targets => targets;

    /// <summary>Every number, for the CSV.</summary>
    public IReadOnlyList<Measurement> Measurements => measurements;

    /// <summary>The catch-up contenders' events/s, for the chart.</summary>
    public IReadOnlyList<(string Label, double EventsPerSecond)> CatchUp => catchUp;

    /// <summary>Adds a table.</summary>
    public void Add(ReportSection section) => sections.Add(section);

    /// <summary>Adds a number.</summary>
    public void Measure(string scenario, string contender, string metric, double value, string unit) =>
        measurements.Add(new Measurement(scenario, contender, metric, value, unit));

    /// <summary>Adds a catch-up bar.</summary>
    public void AddCatchUpBar(string label, double eventsPerSecond) => catchUp.Add((label, eventsPerSecond));

    /// <summary>Adds a goal where more is better: met when <paramref name="measured"/> ≥ <paramref name="goal"/>.</summary>
    public void AtLeast(string target, double measured, double goal, string format, string unit) =>
        targets.Add(new TargetCheck(target, "≥ " + Format(goal, format) + unit, Format(measured, format) + unit, measured >= goal,
            measured >= goal ? "met" : $"missed by {Format(goal - measured, format)}{unit} ({(1 - measured / goal) * 100:F0} % short)"));

    /// <summary>Adds a goal where less is better: met when <paramref name="measured"/> &lt; <paramref name="goal"/>.</summary>
    public void Below(string target, double measured, double goal, string format, string unit) =>
        targets.Add(new TargetCheck(target, "< " + Format(goal, format) + unit, Format(measured, format) + unit, measured < goal,
            measured < goal ? "met" : $"missed by {Format(measured - goal, format)}{unit} ({(measured / goal - 1) * 100:F0} % over)"));

    /// <summary>Adds a goal judged by a rule of its own.</summary>
    public void Judge(TargetCheck check) => targets.Add(check);

    /// <summary>The whole report as markdown.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine("# ProjectionGen benchmarks").AppendLine();
        text.AppendLine(Setup).AppendLine();
        if (targets.Count > 0)
        {
            text.AppendLine("## Targets (issues 9 and 12; reported, not asserted)").AppendLine();
            AppendTable(text, ["target", "goal", "measured", "met", "margin"],
                targets.Select(t => (IReadOnlyList<string>)[t.Target, t.Goal, t.Measured, t.Met ? "yes" : "**no**", t.Margin]).ToList());
            text.AppendLine();
        }

        foreach (var section in sections)
        {
            text.AppendLine("## " + section.Title).AppendLine();
            if (section.Description.Length > 0)
            {
                text.AppendLine(section.Description).AppendLine();
            }

            AppendTable(text, section.Header, section.Lines);
            if (section.Notes.Count > 0)
            {
                text.AppendLine();
                foreach (var note in section.Notes)
                {
                    text.AppendLine("- " + note);
                }
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>Every measurement as CSV (scenario, contender, metric, value, unit).</summary>
    public string ToCsv()
    {
        var text = new StringBuilder("scenario,contender,metric,value,unit\n");
        foreach (var m in measurements)
        {
            text.Append(Csv(m.Scenario)).Append(',').Append(Csv(m.Contender)).Append(',').Append(Csv(m.Metric)).Append(',')
                .Append(m.Value.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(Csv(m.Unit)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Formats a number for the report (invariant culture).</summary>
    public static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void AppendTable(StringBuilder text, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> lines)
    {
        text.AppendLine("| " + string.Join(" | ", header) + " |");
        text.AppendLine("|" + string.Concat(header.Select((_, i) => i == 0 ? " --- |" : " ---: |")));
        foreach (var line in lines)
        {
            text.AppendLine("| " + string.Join(" | ", line) + " |");
        }
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
