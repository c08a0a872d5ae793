using Orders.Infrastructure;
using ProjectionGen.EventStore;

namespace Orders.Commands;

/// <summary>
/// Appends whole orders: <c>streams</c> order streams of <c>events</c> events each, from <c>writers</c> concurrent writers.
/// With <c>--schema-connection</c> the schema is applied by that role; with <c>--no-prepare</c> statements are not
/// prepared (appending through a pooler in transaction mode). With <c>--tenant</c> (one or more) the orders go to those
/// tenants of the conjoined store of <c>--connection</c>; with <c>--tenant-database</c> (one or more) or
/// <c>--all-tenant-databases</c> they go to tenant databases listed in the master table of <c>--connection</c>, each
/// getting the same number of orders (docs/tenancy.md, "The sample's tenants").
/// </summary>
internal static class AppendCommand
{
    public static async Task<int> RunAsync(string connection, int streams, int events, int writers, CancellationToken cancellationToken, string? schemaConnection = null, bool noPrepare = false, IReadOnlyList<string>? tenants = null, IReadOnlyList<string>? tenantDatabases = null, bool allTenantDatabases = false)
    {
        if (streams < 1 || events < 1 || writers < 1)
        {
            Console.Error.WriteLine("--streams, --events and --writers must be at least 1.");
            return 2;
        }

        tenants ??= [];
        tenantDatabases ??= [];
        if (tenants.Count == 0 && tenantDatabases.Count == 0 && !allTenantDatabases)
        {
            await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: true, cancellationToken, schemaConnection, prepareStatements: !noPrepare);
            await AppendAsync(database, null, "", streams, events, writers, cancellationToken);
            return 0;
        }

        if (tenants.Count > 0)
        {
            await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: true, cancellationToken, schemaConnection, prepareStatements: !noPrepare, tenancy: TenancyStyle.Conjoined);
            foreach (var tenant in tenants.Distinct(StringComparer.Ordinal))
            {
                await AppendAsync(database, tenant, $"tenant {tenant}: ", streams, events, writers, cancellationToken);
            }
        }

        if (tenantDatabases.Count > 0 || allTenantDatabases)
        {
            var listed = await TenantsCommand.ReadAsync(connection, allTenantDatabases ? null : [.. tenantDatabases], cancellationToken);
            var missing = tenantDatabases.Where(t => listed.All(d => d.TenantId != t)).ToList();
            if (missing.Count > 0)
            {
                Console.Error.WriteLine($"not in the master table: {string.Join(", ", missing)}");
                return 2;
            }

            using var gate = new SemaphoreSlim(4);
            await Task.WhenAll(listed.Select(async tenantDatabase =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await using var database = await OrdersDatabase.OpenAsync(tenantDatabase.ConnectionString, applySchema: false, cancellationToken, prepareStatements: !noPrepare);
                    await AppendAsync(database, null, $"tenant {tenantDatabase.TenantId} (database): ", streams, events, writers, cancellationToken);
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        return 0;
    }

    private static async Task AppendAsync(OrdersDatabase database, string? tenant, string prefix, int streams, int events, int writers, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var all = Enumerable.Range(0, writers).Select(i => new OrderWriter(database.Store, seed: i, tenant)).ToList();
        await Task.WhenAll(all.Select((writer, i) => writer.AppendOrdersAsync(streams / writers + (i < streams % writers ? 1 : 0), events, cancellationToken)));
        var appended = all.Sum(w => w.Appended);
        Console.WriteLine($"{prefix}appended {appended} events in {streams} streams in {started.Elapsed.TotalSeconds:F1} s ({appended / Math.Max(started.Elapsed.TotalSeconds, 0.001):F0} events/s)");
    }
}
