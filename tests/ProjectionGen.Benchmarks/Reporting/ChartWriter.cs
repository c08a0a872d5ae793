namespace ProjectionGen.Benchmarks.Reporting;

/// <summary>
/// The PNG chart of the catch-up contenders, drawn with ScottPlot (served as a package, renders headless through
/// SkiaSharp's bundled native library, so no system graphics stack is needed).
/// </summary>
public static class ChartWriter
{
    /// <summary>Writes a bar chart of events/s per contender to <paramref name="path"/>.</summary>
    public static void WriteCatchUp(IReadOnlyList<(string Label, double EventsPerSecond)> bars, string title, string path)
    {
        ArgumentNullException.ThrowIfNull(bars);
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var positions = new double[bars.Count];
        var labels = new string[bars.Count];
        for (var i = 0; i < bars.Count; i++)
        {
            positions[i] = i;
            labels[i] = bars[i].Label;
            var bar = new ScottPlot.Bar
            {
                Position = i,
                Value = bars[i].EventsPerSecond,
                FillColor = palette.GetColor(i),
                Label = BenchReport.Format(bars[i].EventsPerSecond, "N0"),
            };
            plot.Add.Bar(bar);
        }

        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.YLabel("events/s (higher is better)");
        plot.Layout.Fixed(new ScottPlot.PixelPadding(90, 30, 70, 50));
        plot.SavePng(path, 1000, 560);
    }
}
