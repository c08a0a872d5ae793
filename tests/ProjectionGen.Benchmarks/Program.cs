using System.Diagnostics;
using System.Globalization;
using Npgsql;
using ProjectionGen.Benchmarks;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;

// Append throughput of PostgresEventStore against a throw-away local PostgreSQL server.
// Usage: dotnet run -c Release --project tests/ProjectionGen.Benchmarks [-- --durable] [--scale N]
//   --durable  runs the server with fsync=on (the harness default is fsync=off, commits still reach the OS)
//   --scale N  multiplies the number of appends (default 1)
var durable = args.Contains("--durable");
var scaleIndex = Array.IndexOf(args, "--scale");
var scale = scaleIndex >= 0 && scaleIndex + 1 < args.Length ? int.Parse(args[scaleIndex + 1], CultureInfo.InvariantCulture) : 1;

var serverOptions = new PostgresServerOptions();
if (durable)
{
    serverOptions.Settings["fsync"] = "on";
}

await using var server = await PostgresServer.StartAsync(serverOptions);
await using var database = await server.CreateDatabaseAsync("bench");
AppendScenario[] scenarios =
[
    new(1, 1, 2000 * scale),
    new(1, 8, 500 * scale),
    new(100, 1, 200 * scale),
    new(100, 8, 50 * scale),
];

// Npgsql resets a pooled connection on its next use after close; "No Reset On Close" skips that server-side work.
string[] connectionSettings = ["", "No Reset On Close=true"];

Console.WriteLine($"PostgresEventStore append throughput ({server.Source}, fsync={(durable ? "on" : "off")}, {Environment.ProcessorCount} cores)");
Console.WriteLine();
Console.WriteLine("| scenario | data source | appends | events | seconds | appends/s | events/s |");
Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
foreach (var settings in connectionSettings)
{
    await using var dataSource = NpgsqlDataSource.Create(settings.Length == 0 ? database.ConnectionString : database.ConnectionString + ";" + settings);
    var store = new PostgresEventStore(dataSource, new EventStoreOptions(), new EventTypeRegistry().Register<BenchmarkEvent>());
    await store.ApplySchemaAsync(CancellationToken.None);
    foreach (var scenario in scenarios)
    {
        await RunAsync(store, scenario with { AppendsPerWriter = Math.Max(1, scenario.AppendsPerWriter / 10) }); // warm-up
        var (appends, events, elapsed) = await RunAsync(store, scenario);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {scenario.Name} | {(settings.Length == 0 ? "defaults" : settings)} | {appends} | {events} | {elapsed.TotalSeconds:F2} | {appends / elapsed.TotalSeconds:F0} | {events / elapsed.TotalSeconds:F0} |"));
    }
}

static async Task<(long Appends, long Events, TimeSpan Elapsed)> RunAsync(PostgresEventStore store, AppendScenario scenario)
{
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, scenario.Writers).Select(writer => Task.Run(async () =>
    {
        for (var i = 0; i < scenario.AppendsPerWriter; i++)
        {
            var events = new object[scenario.EventsPerAppend];
            for (var e = 0; e < events.Length; e++)
            {
                events[e] = new BenchmarkEvent(Guid.NewGuid(), "sku-" + e.ToString(CultureInfo.InvariantCulture), e + 1, 9.99m);
            }

            // Each writer appends to streams of its own, so the figures measure the store rather than stream contention.
            await store.AppendAsync($"bench-{writer}-{i % 16}", events, ExpectedVersion.Any);
        }
    })));
    stopwatch.Stop();
    long appends = (long)scenario.Writers * scenario.AppendsPerWriter;
    return (appends, appends * scenario.EventsPerAppend, stopwatch.Elapsed);
}
