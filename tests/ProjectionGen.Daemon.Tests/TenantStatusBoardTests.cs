using Microsoft.Extensions.Logging;
using Npgsql;
using ProjectionGen.Tenancy;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The tenant status board on real PostgreSQL (docs/tenancy.md, "The tenant status board"): two balanced nodes publish
/// every tenant database they run, with its node, status, slots and lag, in the master database; a failed tenant shows
/// its safe error; a removed tenant leaves the board within 5 s; a tenant that moves shows its new node; a node that
/// stops takes its entries with it; no connection string or password is ever on the board.
/// </summary>
public sealed class TenantStatusBoardTests(PostgresFixture postgres)
{
    private static readonly TimeSpan FiveSeconds = TimeSpan.FromSeconds(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_nodes_publish_their_tenant_databases_and_the_board_follows_failures_removals_moves_and_stops()
    {
        using var loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning));
        string[] names = ["sb-a", "sb-b"];
        var databases = new List<TestDatabase>();
        var beds = new List<DaemonTestBed>();
        var nodes = new List<TenantDatabaseNode>();
        await using var masterDatabase = await postgres.CreateDatabaseAsync("sbmaster");
        await using var masterBed = await DaemonTestBed.CreateAsync(masterDatabase.ConnectionString);
        await using var master = NpgsqlDataSource.Create(masterDatabase.ConnectionString);
        var board = new TenantStatusBoard(master);
        var masterDaemons = names.ToDictionary(n => n, n => masterBed.CreateDaemon(n, DaemonTestBed.StandardProjections(), TenantPlacementTests.Fast));
        var closed = new NpgsqlConnectionStringBuilder(masterDatabase.ConnectionString) { Host = "127.0.0.1", Port = TenantDatabaseNodeTests.ClosedPort(), Timeout = 2 }.ConnectionString;
        try
        {
            for (var i = 0; i < 4; i++)
            {
                databases.Add(await postgres.CreateDatabaseAsync("sbtenant"));
                beds.Add(await DaemonTestBed.CreateAsync(databases[i].ConnectionString));
                await beds[i].AppendAsync(30, seed: i + 1);
                await TenantDatabaseNodeTests.InsertRowAsync(master, "t" + i, databases[i].ConnectionString);
            }

            await TenantDatabaseNodeTests.InsertRowAsync(master, "down", closed);
            foreach (var name in names)
            {
                await masterDaemons[name].StartAsync(Ct);
                var options = TenantDatabaseNodeTests.Options(name);
                options.Assignment = new BalancedTenantDatabases(master, name, loggerFactory: loggerFactory);
                options.StatusBoard = board;
                nodes.Add(new TenantDatabaseNode(new MasterTableTenantSource(master), DaemonTestBed.StandardProjections(), DaemonTestBed.Registry(), options, loggerFactory));
            }

            foreach (var node in nodes)
            {
                await node.StartAsync(Ct);
            }

            foreach (var bed in beds)
            {
                await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
            }

            // Every tenant on the board, on the node that runs it (live), with its slots at the committed positions.
            var entries = await WaitForBoardAsync(board, TimeSpan.FromSeconds(30), "every tenant at its committed position", async e =>
            {
                if (e.Count != 5 || e.Single(x => x.TenantId == "down").Status != TenantDatabaseStatus.Failed)
                {
                    return false;
                }

                for (var i = 0; i < 4; i++)
                {
                    var positions = await beds[i].ReadPositionsAsync();
                    var entry = e.Single(x => x.TenantId == "t" + i);
                    if (entry.Status != TenantDatabaseStatus.Running || entry.HighWaterMark != positions.Values.Max() || entry.Slots.Count != 2
                        || entry.Slots.Any(s => s.Position != positions[s.Projection] || s.LagEvents != 0))
                    {
                        return false;
                    }
                }

                return true;
            });
            foreach (var entry in entries)
            {
                var runner = nodes.Single(n => n.GetTenantStates().Any(s => s.TenantId == entry.TenantId));
                Assert.Equal(runner.NodeName, entry.Node);
                Assert.True(entry.NodeAlive, entry.TenantId);
            }

            var down = entries.Single(e => e.TenantId == "down");
            Assert.StartsWith("NpgsqlException", down.Error, StringComparison.Ordinal);
            Assert.True(down.FailedStarts >= 1);
            Assert.Empty(down.Slots);
            Assert.All(entries.Where(e => e.TenantId != "down"), e => Assert.Equal(["account_balance", "ledger"], e.Slots.Select(s => s.Projection)));
            AssertNoSecret(entries, databases.Select(d => d.ConnectionString).Append(closed));

            // More events: the lag shows, then catches up.
            await beds[0].AppendAsync(40, seed: 9);
            await beds[0].WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger", "account_balance");
            var t0 = await beds[0].ReadPositionsAsync();
            await WaitForBoardAsync(board, FiveSeconds, "t0 at its new positions", e => Task.FromResult(e.Single(x => x.TenantId == "t0").Slots.All(s => s.Position == t0[s.Projection])));

            // A removed tenant leaves the board within 5 s.
            await TenantDatabaseNodeTests.ExecuteAsync(masterDatabase.ConnectionString, "DELETE FROM projectiongen.tenant_databases WHERE tenant_id = 't1'");
            await WaitForBoardAsync(board, FiveSeconds, "t1 gone from the board", e => Task.FromResult(e.All(x => x.TenantId != "t1")));

            // sb-b leaves the master registry: its tenants move to sb-a, and the board shows sb-a for every one of them.
            await masterDaemons["sb-b"].StopAsync(Ct);
            await WaitForBoardAsync(board, TimeSpan.FromSeconds(20), "every tenant on sb-a", e => Task.FromResult(e.Count == 4 && e.All(x => x.Node == "sb-a" && x.NodeAlive)));

            // A node that stops takes its entries with it.
            await nodes[1].StopAsync(Ct);
            await nodes[0].StopAsync(Ct);
            Assert.Empty(await board.ReadAsync(Ct));
            foreach (var bed in beds)
            {
                Assert.Empty(await bed.VerifyExactlyOnceAsync());
            }
        }
        finally
        {
            await TenantDatabaseNodeTests.DisposeAllAsync(beds, databases, [.. nodes, .. masterDaemons.Values]);
        }
    }

    private static async Task<IReadOnlyList<TenantStatusEntry>> WaitForBoardAsync(TenantStatusBoard board, TimeSpan timeout, string what, Func<IReadOnlyList<TenantStatusEntry>, Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var entries = await board.ReadAsync(Ct);
            if (await condition(entries))
            {
                return entries;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {timeout} waiting for {what}: {string.Join("; ", entries.Select(e => $"{e.TenantId} on {e.Node} {e.Status} [{string.Join(", ", e.Slots.Select(s => $"{s.Projection}@{s.Position}"))}]"))}");
            }

            await Task.Delay(100, Ct);
        }
    }

    private static void AssertNoSecret(IReadOnlyList<TenantStatusEntry> entries, IEnumerable<string> connectionStrings)
    {
        var texts = entries.Select(e => e.ToString() + " " + e.Error + " " + string.Join(" ", e.Slots.Select(s => s.ToString()))).ToList();
        foreach (var connectionString in connectionStrings)
        {
            var password = new NpgsqlConnectionStringBuilder(connectionString).Password!;
            Assert.DoesNotContain(texts, t => t.Contains(password, StringComparison.Ordinal) || t.Contains(connectionString, StringComparison.Ordinal));
        }
    }
}
