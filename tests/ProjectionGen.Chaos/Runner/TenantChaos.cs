using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using ProjectionGen.Chaos.Checker;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;

namespace ProjectionGen.Chaos.Runner;

/// <summary>
/// Tenant mode (docs/chaos.md, "Tenant mode"): tenant databases spread over the run's server and a second "tenant
/// server", listed in the master table <c>projectiongen.tenant_databases</c> of the run's database, a writer appending to
/// each, and the tenant faults: a tenant database added, removed, removed and re-added at once, the tenant server held
/// down. At the end every tenant database is listed again, caught up and checked on its own (I1, I2, I3, I8 per tenant).
/// </summary>
internal sealed class TenantChaos : IAsyncDisposable
{
    private readonly PostgresServer tenantServer;
    private readonly NpgsqlDataSource master;
    private readonly Random random;
    private readonly TextWriter log;
    private readonly List<Tenant> tenants;
    private readonly CancellationTokenSource stopWriters = new();
    private Task writing = Task.CompletedTask;

    private TenantChaos(PostgresServer tenantServer, NpgsqlDataSource master, List<Tenant> tenants, IReadOnlyList<string> projections, Random random, TextWriter log)
    {
        this.tenantServer = tenantServer;
        this.master = master;
        this.tenants = tenants;
        Projections = projections;
        this.random = random;
        this.log = log;
    }

    /// <summary>The projections every tenant daemon runs.</summary>
    public IReadOnlyList<string> Projections { get; }

    /// <summary>How many tenant databases the run has (the last one is listed only by a <see cref="FaultKind.TenantAdd"/> or the heal).</summary>
    public int Count => tenants.Count;

    /// <summary>The tenant databases on the tenant server (the others are on the run's server).</summary>
    public int OnTenantServer => tenants.Count(t => t.OnTenantServer);

    /// <summary>
    /// Creates <paramref name="count"/> tenant databases, every other one on a second server, each with the fault
    /// suite's schema and tables, and lists all but the last in the master table of <paramref name="master"/>.
    /// </summary>
    public static async Task<TenantChaos> CreateAsync(PostgresServer server, NpgsqlDataSource master, int count, IReadOnlyList<string> projections, Random random, TextWriter log, CancellationToken cancellationToken)
    {
        if (count < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Tenant mode needs at least two tenant databases.");
        }

        var tenantServer = await PostgresServer.StartAsync(new PostgresServerOptions { AllowExternal = false, MaxConnections = 200 }, cancellationToken);
        var tenants = new List<Tenant>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var onTenantServer = i % 2 == 1;
                var database = await (onTenantServer ? tenantServer : server).CreateDatabaseAsync("chaostenant", cancellationToken);
                var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = "chaos-tenant-harness" }.ConnectionString);
                tenants.Add(new Tenant($"tenant-{i:00}", database, dataSource, ChaosSchema.CreateStore(dataSource), onTenantServer));
                await ChaosSchema.ApplyAsync(dataSource, cancellationToken);
            }

            var chaos = new TenantChaos(tenantServer, master, tenants, projections, random, log);
            foreach (var tenant in tenants.Take(count - 1))
            {
                await chaos.ListAsync(tenant, cancellationToken);
            }

            return chaos;
        }
        catch
        {
            foreach (var tenant in tenants)
            {
                await tenant.DisposeAsync();
            }

            await tenantServer.DisposeAsync();
            throw;
        }
    }

    /// <summary>One writer per tenant database (listed or not), until <see cref="StopWritersAsync"/>.</summary>
    public void StartWriters(int seed) =>
        writing = Task.WhenAll(tenants.Select((t, i) => t.Writers(seed + (100 * (i + 1))).RunAsync(1, stopWriters.Token)));

    public async Task StopWritersAsync()
    {
        await stopWriters.CancelAsync();
        await writing;
    }

    /// <summary>The tenant fault that can be injected now: an add with every tenant listed re-adds one instead, a removal of the last one adds.</summary>
    public FaultKind Resolve(FaultKind kind) => kind switch
    {
        FaultKind.TenantAdd when tenants.All(t => t.Listed) => FaultKind.TenantRemoveReAdd,
        FaultKind.TenantRemove when tenants.Count(t => t.Listed) <= 1 => FaultKind.TenantAdd,
        _ => kind,
    };

    /// <summary>Injects one tenant fault (as <see cref="Resolve"/> gives it); returns the tenant it hit (null for the server).</summary>
    public async Task<string?> InjectAsync(FaultKind kind, CancellationToken cancellationToken)
    {
        var listed = tenants.Where(t => t.Listed).ToList();
        var unlisted = tenants.Where(t => !t.Listed).ToList();
        switch (kind)
        {
            case FaultKind.TenantAdd:
            {
                var tenant = unlisted[random.Next(unlisted.Count)];
                await ListAsync(tenant, cancellationToken);
                log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   {(tenant.Removals > 0 ? "re-added" : "added")} {tenant.Id}");
                return tenant.Id;
            }

            case FaultKind.TenantRemove:
            {
                var tenant = listed[random.Next(listed.Count)];
                await UnlistAsync(tenant, cancellationToken);
                log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   removed {tenant.Id}");
                return tenant.Id;
            }

            case FaultKind.TenantRemoveReAdd:
            {
                // Removed and listed again before (or while) its daemons stop: a new start must wait for the old stop.
                var tenant = listed[random.Next(listed.Count)];
                await UnlistAsync(tenant, cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(100, 1500)), cancellationToken);
                await ListAsync(tenant, cancellationToken);
                log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff}   removed and re-added {tenant.Id}");
                return tenant.Id;
            }

            case FaultKind.TenantServerDown:
                await tenantServer.StopAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(2 + (3 * random.NextDouble())), cancellationToken);
                await tenantServer.StartAsync(cancellationToken);
                return null;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a tenant fault");
        }
    }

    /// <summary>Every tenant database listed again.</summary>
    public async Task HealAsync(CancellationToken cancellationToken)
    {
        foreach (var tenant in tenants.Where(t => !t.Listed))
        {
            await ListAsync(tenant, cancellationToken);
        }
    }

    /// <summary>Null once every tenant database's slots have reached its safe mark; otherwise who is behind.</summary>
    public async Task<string?> WaitForCatchUpAsync(TimeSpan bound, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var behind = "";
        while (clock.Elapsed < bound)
        {
            var late = new List<string>();
            foreach (var tenant in tenants)
            {
                try
                {
                    await using var connection = await tenant.DataSource.OpenConnectionAsync(cancellationToken);
                    var mark = await tenant.Store.ReadSafeHighWaterMarkAsync(connection, cancellationToken);
                    var positions = new Dictionary<string, long>(StringComparer.Ordinal);
                    await using var command = new NpgsqlCommand("SELECT name, position FROM projectiongen.progress", connection);
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        positions[reader.GetString(0)] = reader.GetInt64(1);
                    }

                    late.AddRange(Projections.Where(p => positions.GetValueOrDefault(p) < mark).Select(p => $"{tenant.Id}/{p}={positions.GetValueOrDefault(p)} (mark {mark})"));
                }
                catch (Exception e) when (e is NpgsqlException or IOException)
                {
                    late.Add($"{tenant.Id}: unavailable ({e.GetType().Name})");
                }
            }

            if (late.Count == 0)
            {
                return null;
            }

            behind = string.Join(", ", late.Take(20));
            await Task.Delay(250, cancellationToken);
        }

        return $"tenant databases not caught up within {bound.TotalSeconds:F0} s: {behind}";
    }

    /// <summary>The invariants checked in each tenant database on its own; every violation names its tenant.</summary>
    public async Task<(List<string> Violations, string Report)> CheckAsync(CancellationToken cancellationToken)
    {
        var violations = new List<string>();
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine();
        text.AppendLine(culture, $"### Tenant databases ({tenants.Count}: {tenants.Count(t => !t.OnTenantServer)} on the run's server, {OnTenantServer} on the tenant server; projections {string.Join(", ", Projections)})");
        text.AppendLine();
        text.AppendLine("| tenant | server | events | batches | epochs | nodes | removals | writer appends (failed) | violations |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        foreach (var tenant in tenants)
        {
            var history = await ChaosHistory.ReadAsync(tenant.DataSource, tenant.Store, [.. Projections], [], cancellationToken);
            var found = InvariantChecker.CheckChains(history)
                .Concat(InvariantChecker.CheckExactlyOnce(history))
                .Concat(InvariantChecker.CheckOverlappingOwnership(history))
                .Select(v => $"tenant {tenant.Id}: {v}")
                .ToList();
            foreach (var projection in Projections.Where(p => history.Events.Count > 0 && !history.Audit.Any(a => a.Projection == p)))
            {
                found.Add($"tenant {tenant.Id}: I5 {projection} committed no batch");
            }

            violations.AddRange(found);
            text.AppendLine(culture, $"| {tenant.Id} | {(tenant.OnTenantServer ? "tenant" : "run's")} | {history.Events.Count} | {history.Audit.Count} | {history.Audit.Select(a => (a.Projection, a.Epoch)).Distinct().Count()} | {string.Join(",", history.Audit.Select(a => a.Node).Distinct().Order(StringComparer.Ordinal))} | {tenant.Removals} | {tenant.LastWriters?.Attempted ?? 0} ({tenant.LastWriters?.Failed ?? 0}) | {found.Count} |");
        }

        return (violations, text.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        await StopWritersAsync();
        stopWriters.Dispose();
        foreach (var tenant in tenants)
        {
            await tenant.DisposeAsync();
        }

        await tenantServer.DisposeAsync();
    }

    private async Task ListAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var command = master.CreateCommand("INSERT INTO projectiongen.tenant_databases (tenant_id, connection_string) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant.Database.ConnectionString });
        await command.ExecuteNonQueryAsync(cancellationToken);
        tenant.Listed = true;
    }

    private async Task UnlistAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var command = master.CreateCommand("DELETE FROM projectiongen.tenant_databases WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant.Id });
        await command.ExecuteNonQueryAsync(cancellationToken);
        tenant.Listed = false;
        tenant.Removals++;
    }

    /// <summary>One tenant database: its id, database, the harness's data source and store over it.</summary>
    private sealed class Tenant(string id, TestDatabase database, NpgsqlDataSource dataSource, PostgresEventStore store, bool onTenantServer) : IAsyncDisposable
    {
        public string Id { get; } = id;

        public TestDatabase Database { get; } = database;

        public NpgsqlDataSource DataSource { get; } = dataSource;

        public PostgresEventStore Store { get; } = store;

        public bool OnTenantServer { get; } = onTenantServer;

        public bool Listed { get; set; }

        public int Removals { get; set; }

        public ChaosWriters? LastWriters { get; private set; }

        public ChaosWriters Writers(int seed) => LastWriters = new ChaosWriters(Store, DataSource, seed);

        public async ValueTask DisposeAsync()
        {
            await DataSource.DisposeAsync();
            try
            {
                await Database.DisposeAsync();
            }
            catch (NpgsqlException)
            {
                // Its server is going away with the run; the server's disposal removes it.
            }
        }
    }
}
