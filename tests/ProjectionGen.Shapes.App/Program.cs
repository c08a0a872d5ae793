using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Shapes.App;

// The shapes test application, built twice (Old/ and New/, the new one with NEW_BUILD): a node or an appender process
// of one build, for the rolling-deploy test (ProjectionGen.Shapes.Tests).
//   node <connection string> <node name>        runs shape_ledger until SIGTERM, then stops gracefully
//   append <connection string> <stop file>      appends (the new build also withdrawals) until the stop file exists,
//                                               then prints "appended N refused M"
if (args.Length != 3 || args[0] is not ("node" or "append"))
{
    await Console.Error.WriteLineAsync("usage: node <connection string> <node name> | append <connection string> <stop file>");
    return 2;
}

#if NEW_BUILD
const bool newBuild = true;
#else
const bool newBuild = false;
#endif

await using var dataSource = NpgsqlDataSource.Create(args[1]);
var types = new EventTypeRegistry().Register<Deposited>().Register<Withdrawn>();
var store = new PostgresEventStore(dataSource, new EventStoreOptions(), types);
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

if (args[0] == "append")
{
    long appended = 0;
    long refused = 0;
    var random = new Random();
    while (!File.Exists(args[2]))
    {
        var account = "acct-" + random.Next(20).ToString(CultureInfo.InvariantCulture);
        object e = newBuild && random.Next(3) == 0 ? new Withdrawn(account, random.Next(1, 50)) : new Deposited(account, random.Next(1, 100));
        try
        {
            await store.AppendAsync(account, [e], ExpectedVersion.Any);
            appended++;
        }
        catch (Exception failure) when (failure is NpgsqlException or InvalidOperationException)
        {
            refused++;
            await Console.Out.WriteLineAsync("append refused: " + failure.Message);
        }

        await Task.Delay(5);
    }

    await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"appended {appended} refused {refused}"));
    return 0;
}

await store.ApplySchemaAsync(CancellationToken.None);
await using (var connection = await dataSource.OpenConnectionAsync())
await using (var create = new NpgsqlCommand(ShapeLedgerProjection.CreateTableSql, connection))
{
    await create.ExecuteNonQueryAsync();
}

using var loggerFactory = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Information)
    .AddSimpleConsole(console => { console.SingleLine = true; console.UseUtcTimestamp = true; console.TimestampFormat = "HH:mm:ss.fff "; }));
var options = new ProjectionDaemonOptions { ConnectionString = args[1], NodeName = args[2] };
await using var daemon = new ProjectionDaemon(store, [new ShapeLedgerProjection()], options, loggerFactory);
await daemon.StartAsync();
await Console.Out.WriteLineAsync($"node {args[2]} started ({(newBuild ? "new" : "old")} build)");
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // SIGTERM: stop gracefully.
}

await daemon.StopAsync();
await Console.Out.WriteLineAsync($"node {args[2]} stopped");
return 0;
