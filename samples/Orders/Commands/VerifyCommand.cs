using Orders.Infrastructure;
using ProjectionGen.EventStore;

namespace Orders.Commands;

/// <summary>
/// Exit code 0 if and only if every sample read model equals the fold of all committed events. With
/// <c>--tenancy conjoined</c> each tenant of the conjoined store is checked on its own, and with <c>--all-tenants</c>
/// each tenant database listed in the master table too; then one line per tenant (docs/tenancy.md, "The sample's tenants").
/// </summary>
internal static class VerifyCommand
{
    public static async Task<int> RunAsync(string connection, CancellationToken cancellationToken, bool conjoined = false, bool allTenants = false)
    {
        if (!conjoined && !allTenants)
        {
            await using var database = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken);
            var result = await ExactlyOnceVerifier.VerifyAsync(database, cancellationToken);
            Console.WriteLine($"events: {result.Events}; ledger rows: {result.LedgerRows} (read from {OrdersDatabase.LedgerTable}); order summaries: {result.Summaries}");
            Console.WriteLine($"sku sales: {result.SkuSales} products (multi-stream); upcast events: {result.UpcastEvents} stored as order_line_added, read as ItemAdded");
            foreach (var problem in result.Problems.Take(50))
            {
                Console.WriteLine("  " + problem);
            }

            Console.WriteLine(result.Verified ? "exactly-once verified" : $"{result.Problems.Count} discrepancies");
            return result.Verified ? 0 : 1;
        }

        var checkedTenants = 0;
        var failed = 0;
        await using (var master = await OrdersDatabase.OpenAsync(connection, applySchema: false, cancellationToken, tenancy: conjoined ? TenancyStyle.Conjoined : TenancyStyle.None))
        {
            if (conjoined)
            {
                foreach (var (tenant, result) in await ExactlyOnceVerifier.VerifyTenantsAsync(master, cancellationToken))
                {
                    checkedTenants++;
                    failed += Report($"tenant {tenant} (conjoined)", result) ? 0 : 1;
                }
            }
            else
            {
                checkedTenants++;
                failed += Report("master database", await ExactlyOnceVerifier.VerifyAsync(master, cancellationToken)) ? 0 : 1;
            }
        }

        if (allTenants)
        {
            using var gate = new SemaphoreSlim(4);
            var lines = await Task.WhenAll((await TenantsCommand.ReadAsync(connection, null, cancellationToken)).Select(async tenantDatabase =>
            {
                await gate.WaitAsync(cancellationToken);
                try
                {
                    await using var database = await OrdersDatabase.OpenAsync(tenantDatabase.ConnectionString, applySchema: false, cancellationToken);
                    return (tenantDatabase.TenantId, Result: await ExactlyOnceVerifier.VerifyAsync(database, cancellationToken), Error: (string?)null);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or IOException or TimeoutException)
                {
                    return (tenantDatabase.TenantId, Result: (ExactlyOnceVerifier.Result?)null, Error: e.Message);
                }
                finally
                {
                    gate.Release();
                }
            }));
            foreach (var (tenant, result, error) in lines)
            {
                checkedTenants++;
                if (result is null)
                {
                    failed++;
                    Console.WriteLine($"tenant {tenant} (database): not verified: {error}");
                }
                else
                {
                    failed += Report($"tenant {tenant} (database)", result) ? 0 : 1;
                }
            }
        }

        Console.WriteLine(failed == 0 ? $"exactly-once verified for all {checkedTenants} tenants" : $"{failed} of {checkedTenants} tenants with discrepancies");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>One line for a tenant (and up to ten of its discrepancies); whether it verified.</summary>
    private static bool Report(string name, ExactlyOnceVerifier.Result result)
    {
        var counts = $"{result.Events} events, {result.LedgerRows} ledger rows, {result.Summaries} order summaries, {result.SkuSales} products";
        Console.WriteLine(result.Verified ? $"{name}: exactly-once verified ({counts})" : $"{name}: {result.Problems.Count} discrepancies ({counts})");
        foreach (var problem in result.Problems.Take(10))
        {
            Console.WriteLine("  " + problem);
        }

        return result.Verified;
    }
}
