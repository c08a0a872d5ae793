using System.Diagnostics;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Scenarios;
using ProjectionGen.Testing;

namespace ProjectionGen.Benchmarks;

/// <summary>The files one run wrote.</summary>
public sealed record BenchOutput(string Markdown, string Csv, string Chart);

/// <summary>Runs the selected scenarios against throw-away local PostgreSQL servers and writes the report.</summary>
public static class BenchmarkSuite
{
    /// <summary>Runs every selected scenario, writes report.md, results.csv and catchup.png, and prints the markdown.</summary>
    public static async Task<BenchOutput> RunAsync(BenchOptions options, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var total = Stopwatch.StartNew();
        var serverOptions = new PostgresServerOptions { AllowExternal = false };
        if (options.Durable)
        {
            serverOptions.Settings["fsync"] = "on";
        }

        var report = new BenchReport();
        await using (var server = await PostgresServer.StartAsync(serverOptions))
        {
            var context = new BenchContext(options, new Databases(server), report, output);
            var version = await ServerVersionAsync(server);
            report.Setup = $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{(options.Smoke ? " (smoke profile: tiny sizes, figures meaningless)" : "")}; "
                + $"PostgreSQL {version} ({server.Source}, fsync={(options.Durable ? "on" : "off")}), .NET {Environment.Version}, "
                + $"{Environment.ProcessorCount} cores shared with other work, so absolute figures vary; ratios measured side by side in one run are what count.";

            if (options.Runs("rowwrites") && !options.Runs("levers"))
            {
                await RowWriteComparison.RunAsync(context);
            }

            if (options.Runs("catchup") || options.Runs("guard") || options.Runs("levers"))
            {
                await CatchUpScenario.RunAsync(context);
            }

            if (options.Runs("scale") && options.ScaleEvents.Count > 0)
            {
                await ScaleScenario.RunAsync(context);
            }

            if (options.Runs("live"))
            {
                await LiveLatencyScenario.RunAsync(context);
            }

            if (options.Runs("failover"))
            {
                await FailoverScenario.RunAsync(context);
            }

            if (options.Runs("memory"))
            {
                await MemoryScenario.RunAsync(context);
            }

            if (options.Runs("dispatch"))
            {
                DispatchScenario.Run(context);
            }

            if (options.Runs("append") && options.AppendTable)
            {
                await AppendScenario.RunAsync(context);
            }

            if (options.Runs("rebalance"))
            {
                await RebalanceScenario.RunAsync(context);
            }

            if (options.Runs("coordination"))
            {
                await CoordinationLoadScenario.RunAsync(context);
            }

            if (options.Runs("shards"))
            {
                await ShardThroughputScenario.RunAsync(context);
            }

            if (options.Runs("pooler"))
            {
                await PoolerCatchUpScenario.RunAsync(context);
            }

            if (options.Runs("tenants"))
            {
                await TenantDatabasesScenario.RunAsync(context);
            }
        }

        report.Setup += $" Whole run: {total.Elapsed.TotalMinutes:F1} min.";
        Directory.CreateDirectory(options.OutputDirectory);
        var markdownPath = Path.Combine(options.OutputDirectory, "report.md");
        var csvPath = Path.Combine(options.OutputDirectory, "results.csv");
        var chartPath = Path.Combine(options.OutputDirectory, "catchup.png");
        var markdown = report.ToMarkdown();
        await File.WriteAllTextAsync(markdownPath, markdown);
        await File.WriteAllTextAsync(csvPath, report.ToCsv());
        ChartWriter.WriteCatchUp(
            report.CatchUp.Count > 0 ? report.CatchUp : [("(catch-up not run)", 0)],
            $"Catch-up throughput, {options.Events:N0} events over {options.Streams:N0} streams",
            chartPath);
        output.WriteLine();
        output.WriteLine(markdown);
        output.WriteLine($"Wrote {markdownPath}, {csvPath} and {chartPath}.");
        return new BenchOutput(markdownPath, csvPath, chartPath);
    }

    private static async Task<string> ServerVersionAsync(PostgresServer server)
    {
        await using var connection = await server.OpenAdminConnectionAsync();
        return connection.PostgreSqlVersion.ToString();
    }
}
