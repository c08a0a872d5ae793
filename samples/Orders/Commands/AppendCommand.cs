using Orders.Infrastructure;

namespace Orders.Commands;

/// <summary>
/// Appends whole orders: <c>streams</c> order streams of <c>events</c> events each, from <c>writers</c> concurrent writers.
/// With <c>--schema-connection</c> the schema is applied by that role; with <c>--no-prepare</c> statements are not
/// prepared (appending through a pooler in transaction mode).
/// </summary>
internal static class AppendCommand
{
    public static async Task<int> RunAsync(string connection, int streams, int events, int writers, CancellationToken cancellationToken, string? schemaConnection = null, bool noPrepare = false)
    {
        if (streams < 1 || events < 1 || writers < 1)
        {
            Console.Error.WriteLine("--streams, --events and --writers must be at least 1.");
            return 2;
        }

        await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: true, cancellationToken, schemaConnection, prepareStatements: !noPrepare);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var all = Enumerable.Range(0, writers).Select(i => new OrderWriter(database.Store, seed: i)).ToList();
        await Task.WhenAll(all.Select((writer, i) => writer.AppendOrdersAsync(streams / writers + (i < streams % writers ? 1 : 0), events, cancellationToken)));
        var appended = all.Sum(w => w.Appended);
        Console.WriteLine($"appended {appended} events in {streams} streams in {started.Elapsed.TotalSeconds:F1} s ({appended / Math.Max(started.Elapsed.TotalSeconds, 0.001):F0} events/s)");
        return 0;
    }
}
