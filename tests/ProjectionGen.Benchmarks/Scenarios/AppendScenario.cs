using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProjectionGen.Benchmarks.Infrastructure;
using ProjectionGen.Benchmarks.Reporting;
using ProjectionGen.Benchmarks.Workload;
using ProjectionGen.EventStore;

namespace ProjectionGen.Benchmarks.Scenarios;

/// <summary>One measured configuration: how many events per append, how many concurrent writers, how many appends each.</summary>
internal sealed record AppendConfiguration(int EventsPerAppend, int Writers, int AppendsPerWriter)
{
    public string Name => $"{EventsPerAppend}-event appends, {Writers} writer{(Writers == 1 ? "" : "s")}";
}

/// <summary>Append throughput of <see cref="PostgresEventStore"/> with default and no-reset data sources.</summary>
internal static class AppendScenario
{
    public static async Task RunAsync(BenchContext context)
    {
        var scale = context.Options.AppendScale;
        var divisor = scale == 0 ? 50 : 1; // the smoke profile: a few appends each
        var factor = Math.Max(1, scale);
        AppendConfiguration[] configurations =
        [
            new(1, 1, 2000 * factor / divisor),
            new(1, 8, 500 * factor / divisor),
            new(100, 1, 200 * factor / divisor),
            new(100, 8, 50 * factor / divisor),
        ];

        // Npgsql resets a pooled connection on its next use after close; "No Reset On Close" skips that server-side work.
        string[] connectionSettings = ["", "No Reset On Close=true"];
        var database = await context.Databases.CreateAsync("append");
        var rows = new List<IReadOnlyList<string>>();
        foreach (var settings in connectionSettings)
        {
            await using var dataSource = NpgsqlDataSource.Create(settings.Length == 0 ? database : database + ";" + settings);
            var store = new PostgresEventStore(dataSource, new EventStoreOptions(), new EventTypeRegistry().Register<BenchmarkEvent>());
            await store.ApplySchemaAsync(CancellationToken.None);
            foreach (var configuration in configurations)
            {
                context.Progress($"append: {configuration.Name}, {(settings.Length == 0 ? "defaults" : settings)}");
                await RunAsync(store, configuration with { AppendsPerWriter = Math.Max(1, configuration.AppendsPerWriter / 10) }); // warm-up
                var (appends, events, elapsed) = await RunAsync(store, configuration);
                var source = settings.Length == 0 ? "defaults" : settings;
                rows.Add([configuration.Name, source, appends.ToString(CultureInfo.InvariantCulture), events.ToString(CultureInfo.InvariantCulture),
                    BenchReport.Format(elapsed.TotalSeconds, "F2"), BenchReport.Format(appends / elapsed.TotalSeconds, "F0"), BenchReport.Format(events / elapsed.TotalSeconds, "F0")]);
                context.Report.Measure("append", $"{configuration.Name} ({source})", "events_per_second", events / elapsed.TotalSeconds, "events/s");
            }
        }

        await context.Databases.DropAsync(database);
        context.Report.Add(new ReportSection(
            "Event store append throughput",
            "PostgresEventStore.AppendAsync; each writer appends to streams of its own, so the figures measure the store rather than stream contention.",
            ["scenario", "data source", "appends", "events", "seconds", "appends/s", "events/s"],
            rows,
            []));
    }

    private static async Task<(long Appends, long Events, TimeSpan Elapsed)> RunAsync(PostgresEventStore store, AppendConfiguration configuration)
    {
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, configuration.Writers).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < configuration.AppendsPerWriter; i++)
            {
                var events = new object[configuration.EventsPerAppend];
                for (var e = 0; e < events.Length; e++)
                {
                    events[e] = new BenchmarkEvent(Guid.NewGuid(), "sku-" + e.ToString(CultureInfo.InvariantCulture), e + 1, 9.99m);
                }

                await store.AppendAsync($"bench-{writer}-{i % 16}", events, ExpectedVersion.Any);
            }
        })));
        stopwatch.Stop();
        long appends = (long)configuration.Writers * configuration.AppendsPerWriter;
        return (appends, appends * configuration.EventsPerAppend, stopwatch.Elapsed);
    }
}
