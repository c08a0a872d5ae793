using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Tenancy;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Tenant databases spread over two PostgreSQL servers, placed over two nodes (docs/tenancy.md, "Databases per tenant";
/// docs/cluster.md, "Tenant databases over nodes"): one server stops for 20 s while writers append to every tenant. The
/// other server's tenants keep projecting throughout (their positions are sampled every second of the outage), the
/// stalled tenants show Failed with a safe error in the nodes' states and health, they resume when the server is back,
/// and every tenant database is exact at the end.
/// </summary>
public sealed class TenantServerOutageTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task One_of_two_servers_down_for_twenty_seconds_stalls_only_its_tenants_which_fail_safely_and_resume_exactly()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        await using var second = await DedicatedPostgres.StartAsync();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("tsomaster");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        var nodes = new List<TenantDatabaseNode>();
        var tenants = new List<string>();
        using var stopWriters = new CancellationTokenSource();
        Task? writers = null;
        try
        {
            // Three tenants on the shared server ("up-*"), three on the second one ("down-*").
            for (var i = 0; i < 6; i++)
            {
                var onSecond = i >= 3;
                databases.Add(onSecond ? await second.CreateDatabaseAsync("tsodown", Ct) : await postgres.CreateDatabaseAsync("tsoup"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
                await beds[i].AppendAsync(30, seed: i + 1);
                tenants.Add((onSecond ? "down-" : "up-") + (i % 3));
            }

            var up = Enumerable.Range(0, 3).ToList();
            var down = Enumerable.Range(3, 3).ToList();
            var source = new StaticTenantSource(databases.Select((d, i) => new TenantDatabase(tenants[i], d.ConnectionString)));
            foreach (var name in new[] { "tso-a", "tso-b" })
            {
                await masterBed.CreateDaemon(name, DaemonTestBed.StandardProjections(), o =>
                {
                    o.AcquireInterval = TimeSpan.FromMilliseconds(300);
                    o.PollInterval = TimeSpan.FromMilliseconds(200);
                }).StartAsync(Ct);
                var options = TenantDatabaseNodeTests.Options(name);
                options.Assignment = new BalancedTenantDatabases(master, name, loggerFactory: loggerFactory);
                nodes.Add(new TenantDatabaseNode(source, DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options, loggerFactory));
            }

            foreach (var node in nodes)
            {
                await node.StartAsync(Ct);
            }

            // Balanced 3/3 over the two nodes, every tenant running on exactly one of them.
            await Eventually.HoldsAsync(
                () => tenants.All(t => nodes.Count(n => n.GetTenantStates().Any(s => s.TenantId == t && s.Status == TenantDatabaseStatus.Running)) == 1)
                    && nodes.All(n => n.GetTenantStates().Count == 3),
                TimeSpan.FromSeconds(30),
                "six tenant databases run, three on each node");
            writers = Task.WhenAll(beds.Select(bed => bed.StartWriters(1, stopWriters.Token, streams: 10)));
            foreach (var bed in beds)
            {
                await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            }

            // The second server stops for 20 s; appends go on to every tenant (those to the stopped server fail and retry).
            var stoppedAt = DateTime.UtcNow;
            await second.StopAsync(Ct);
            var samples = up.ToDictionary(i => i, _ => new List<(TimeSpan At, long Ledger, long Balance)>());
            var sawFailed = new HashSet<string>(StringComparer.Ordinal);
            string? degraded = null;
            while (DateTime.UtcNow - stoppedAt < Outage)
            {
                foreach (var i in up)
                {
                    var positions = await beds[i].ReadPositionsAsync();
                    samples[i].Add((DateTime.UtcNow - stoppedAt, positions["ledger"], positions["account_balance"]));
                }

                var states = nodes.SelectMany(n => n.GetTenantStates()).ToList();
                foreach (var state in states.Where(s => s.Status == TenantDatabaseStatus.Failed))
                {
                    Assert.StartsWith("down-", state.TenantId, StringComparison.Ordinal);
                    Assert.False(string.IsNullOrEmpty(state.Error), $"{state.TenantId} failed without an error");
                    sawFailed.Add(state.TenantId);
                }

                Assert.All(states.Where(s => s.TenantId.StartsWith("up-", StringComparison.Ordinal)), s => Assert.Equal(TenantDatabaseStatus.Running, s.Status));
                if (down.All(i => states.Any(s => s.TenantId == tenants[i] && s.Status == TenantDatabaseStatus.Failed)) && degraded is null)
                {
                    degraded = await HealthDescriptionAsync(nodes);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            }

            // The up tenants projected throughout: both projections advanced, and never stood still for 5 s.
            foreach (var i in up)
            {
                var s = samples[i];
                TestContext.Current.TestOutputHelper?.WriteLine($"{tenants[i]}: ledger {string.Join(" ", s.Select(x => x.Ledger))}");
                Assert.True(s.Count >= 10, $"{tenants[i]}: only {s.Count} samples in the outage");
                Assert.True(s[^1].Ledger > s[0].Ledger && s[^1].Balance > s[0].Balance, $"{tenants[i]} did not advance during the outage");
                Assert.True(LongestStall(s.Select(x => (x.At, x.Ledger)).ToList()) <= TimeSpan.FromSeconds(5), $"{tenants[i]}'s ledger stood still for more than 5 s during the outage");
                Assert.True(LongestStall(s.Select(x => (x.At, x.Balance)).ToList()) <= TimeSpan.FromSeconds(5), $"{tenants[i]}'s account_balance stood still for more than 5 s during the outage");
            }

            // The stalled tenants were named: Failed in the states, and in the nodes' health with a safe error text.
            Assert.Equal(down.Select(i => tenants[i]).Order(StringComparer.Ordinal), sawFailed.Order(StringComparer.Ordinal));
            Assert.NotNull(degraded);
            foreach (var i in down)
            {
                Assert.Contains(tenants[i] + " (", degraded, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("up-", degraded, StringComparison.Ordinal);
            foreach (var database in databases.Append(masterDatabase))
            {
                var password = new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!;
                Assert.DoesNotContain(password, degraded, StringComparison.Ordinal);
                Assert.All(nodes.SelectMany(n => n.GetTenantStates()), s => Assert.DoesNotContain(password, s.Error ?? "", StringComparison.Ordinal));
            }

            // Back: the stalled tenants resume from their committed positions.
            await second.StartAsync(Ct);
            await Eventually.HoldsAsync(
                () => tenants.All(t => nodes.Count(n => n.GetTenantStates().Any(s => s.TenantId == t && s.Status == TenantDatabaseStatus.Running)) == 1),
                TimeSpan.FromSeconds(60),
                "every tenant runs again");
            Assert.Equal("0 tenant databases failed", (await HealthDescriptionAsync(nodes)).Split(':')[0]);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
            await stopWriters.CancelAsync();
            await writers;
            for (var i = 0; i < beds.Count; i++)
            {
                await beds[i].WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
                Assert.Empty(await VerifyAsync(beds[i]));
            }
        }
        finally
        {
            await stopWriters.CancelAsync();
            if (writers is not null)
            {
                await writers;
            }

            await second.StartAsync(CancellationToken.None);
            await TenantDatabaseNodeTests.DisposeAllAsync(beds, databases, nodes);
        }
    }

    /// <summary>The longest time between two samples whose value did not grow.</summary>
    private static TimeSpan LongestStall(List<(TimeSpan At, long Value)> samples)
    {
        var longest = TimeSpan.Zero;
        var since = samples[0].At;
        for (var i = 1; i < samples.Count; i++)
        {
            if (samples[i].Value > samples[i - 1].Value)
            {
                since = samples[i].At;
            }

            longest = samples[i].At - since > longest ? samples[i].At - since : longest;
        }

        return longest;
    }

    /// <summary>The nodes' tenant health checks, combined: "N tenant databases failed: ..." or healthy.</summary>
    private static async Task<string> HealthDescriptionAsync(List<TenantDatabaseNode> nodes)
    {
        var failed = new List<string>();
        var count = 0;
        foreach (var node in nodes)
        {
            var result = await new TenantDatabasesHealthCheck(node).CheckHealthAsync(new HealthCheckContext(), Ct);
            if (result.Status != HealthStatus.Healthy)
            {
                Assert.Equal(HealthStatus.Degraded, result.Status);
                failed.Add(result.Description!);
                count += node.GetTenantStates().Count(s => s.Status == TenantDatabaseStatus.Failed);
            }
        }

        return $"{count} tenant databases failed: {string.Join(" | ", failed)}";
    }

    /// <summary>The exactly-once check, retried while the bed's pooled connections to the restarted server are broken.</summary>
    private static async Task<List<string>> VerifyAsync(DaemonTestBed bed)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await bed.VerifyExactlyOnceAsync();
            }
            catch (NpgsqlException) when (attempt < 10)
            {
                await Task.Delay(100, Ct);
            }
        }
    }
}
