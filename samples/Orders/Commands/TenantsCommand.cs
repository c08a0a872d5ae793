using Npgsql;
using Orders.Infrastructure;
using ProjectionGen.Tenancy;

namespace Orders.Commands;

/// <summary>
/// The rows of the master table <c>projectiongen.tenant_databases</c> (docs/tenancy.md, "The sample's tenants"):
/// <c>tenants add</c> prepares each tenant database (schema, document tables, ledger table) and then lists it, so that a
/// node with <c>--tenant-databases</c> starts it; <c>tenants remove</c> deletes the rows (the nodes stop those tenants);
/// <c>tenants list</c> prints the tenant ids (never a connection string).
/// </summary>
internal static class TenantsCommand
{
    /// <summary>The placeholder of <c>--tenant-connection</c> replaced by each tenant id.</summary>
    public const string TenantPlaceholder = "{tenant}";

    public static async Task<int> AddAsync(string master, IReadOnlyList<string> tenants, string tenantConnection, CancellationToken cancellationToken)
    {
        if (tenants.Count > 1 && !tenantConnection.Contains(TenantPlaceholder, StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"Several tenants need {TenantPlaceholder} in --tenant-connection (each tenant its own database).");
            return 2;
        }

        await using var source = NpgsqlDataSource.Create(master);
        using var gate = new SemaphoreSlim(4);
        var failed = 0;
        await Task.WhenAll(tenants.Select(async tenant =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var database = new TenantDatabase(tenant, tenantConnection.Replace(TenantPlaceholder, tenant, StringComparison.Ordinal));
                await using (await OrdersDatabase.OpenAsync(database.ConnectionString, applySchema: true, cancellationToken))
                {
                    // Prepared: schema, document tables and the ledger table exist.
                }

                await using var insert = source.CreateCommand(
                    "INSERT INTO projectiongen.tenant_databases (tenant_id, connection_string) VALUES ($1, $2) ON CONFLICT (tenant_id) DO UPDATE SET connection_string = EXCLUDED.connection_string");
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database.TenantId });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database.ConnectionString });
                await insert.ExecuteNonQueryAsync(cancellationToken);
                Console.WriteLine($"tenant {tenant}: added");
            }
            catch (Exception e) when (e is ArgumentException or NpgsqlException or IOException or TimeoutException)
            {
                Interlocked.Increment(ref failed);
                Console.Error.WriteLine($"tenant {tenant}: not added: {e.Message}");
            }
            finally
            {
                gate.Release();
            }
        }));
        return failed == 0 ? 0 : 1;
    }

    public static async Task<int> RemoveAsync(string master, IReadOnlyList<string> tenants, CancellationToken cancellationToken)
    {
        await using var source = NpgsqlDataSource.Create(master);
        await using var delete = source.CreateCommand("DELETE FROM projectiongen.tenant_databases WHERE tenant_id = ANY($1) RETURNING tenant_id");
        delete.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. tenants] });
        var removed = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await delete.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                removed.Add(reader.GetString(0));
            }
        }

        foreach (var tenant in tenants)
        {
            Console.WriteLine(removed.Contains(tenant) ? $"tenant {tenant}: removed" : $"tenant {tenant}: not listed");
        }

        return removed.Count == tenants.Distinct(StringComparer.Ordinal).Count() ? 0 : 1;
    }

    public static async Task<int> ListAsync(string master, CancellationToken cancellationToken)
    {
        await using var source = NpgsqlDataSource.Create(master);
        foreach (var database in await new MasterTableTenantSource(source).ReadAsync(cancellationToken))
        {
            Console.WriteLine(database.TenantId);
        }

        return 0;
    }

    /// <summary>The tenant databases of the master table, all or the ones named.</summary>
    public static async Task<IReadOnlyList<TenantDatabase>> ReadAsync(string master, IReadOnlyCollection<string>? only, CancellationToken cancellationToken)
    {
        await using var source = NpgsqlDataSource.Create(master);
        var all = await new MasterTableTenantSource(source).ReadAsync(cancellationToken);
        return only is null ? all : [.. all.Where(d => only.Contains(d.TenantId))];
    }
}
