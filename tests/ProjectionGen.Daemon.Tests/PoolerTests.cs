using System.Diagnostics;
using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Testing;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Batches behind a real PgBouncer in transaction mode, locks direct, with the settings docs/operations.md ("Behind a
/// connection pooler") gives: nodes catch up and keep going through a pooler restart and terminated batch backends,
/// exactly once and with no paused slot; prepared statements on batch connections behind a pooler are refused at start.
/// </summary>
public sealed class PoolerTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Prepared_statements_on_batch_connections_behind_a_pooler_are_refused_at_start()
    {
        SkipWithoutPgBouncer();
        await using var database = await postgres.CreateDatabaseAsync("poolprep");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);
        var pooled = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = database.Name, Pooling = true }.ConnectionString;

        // EventStoreOptions.PrepareStatements left at its default (on).
        var daemon = bed.CreateDaemon("poolprep-node", DaemonTestBed.StandardProjections(), o =>
        {
            o.ConnectionString = pooled;
            o.LockConnectionString = database.ConnectionString;
        });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => daemon.StartAsync(Ct));
        Assert.Contains("pooler", error.Message, StringComparison.Ordinal);
        Assert.Contains("EventStoreOptions.PrepareStatements", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new NpgsqlConnectionStringBuilder(database.ConnectionString).Password!, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(daemon.GetStates(), s => s.Status == AgentStatus.Running);
    }

    [Fact]
    public async Task Three_nodes_with_batches_through_a_transaction_pooler_catch_up_and_survive_a_pooler_restart_exactly_once()
    {
        SkipWithoutPgBouncer();
        await using var database = await postgres.CreateDatabaseAsync("pooled");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var proxy = await PgBouncerProxy.StartAsync(postgres.Server, PgBouncerPoolMode.Transaction, Ct);

        // The documented settings: batches and writers through the pooler (Npgsql's own pool on, statements not
        // prepared), the locks direct.
        var pooled = new NpgsqlConnectionStringBuilder(proxy.ConnectionString) { Database = database.Name, Pooling = true, MaxPoolSize = 8 }.ConnectionString;
        var unprepared = new EventStoreOptions { PrepareStatements = false };
        await using var writerSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(pooled) { ApplicationName = "pooled-writer" }.ConnectionString);
        var writerStore = new PostgresEventStore(writerSource, unprepared, DaemonTestBed.Registry());

        // The backlog: 50,000 events appended through the pooler, a hundred per append.
        const int backlog = 50_000;
        var random = new Random(27);
        for (var i = 0; i < backlog / 100; i++)
        {
            var account = "acct-" + random.Next(20);
            var events = Enumerable.Range(0, 100).Select(_ => random.Next(4) == 0 ? (object)new Withdrawn(account, random.Next(1, 50)) : new Deposited(account, random.Next(1, 100))).ToList();
            await writerStore.AppendAsync(account, events, ExpectedVersion.Any, cancellationToken: Ct);
        }

        var nodes = Enumerable.Range(1, 3).Select(n => bed.CreateDaemon(
            $"pooled-{n}-" + Guid.NewGuid().ToString("N")[..4],
            DaemonTestBed.StandardProjections(),
            o =>
            {
                o.ConnectionString = pooled;
                o.LockConnectionString = database.ConnectionString;
                o.RetryDelay = TimeSpan.FromMilliseconds(20);
                o.MaxRetryDelay = TimeSpan.FromMilliseconds(500);
            },
            unprepared)).ToList();
        var watch = Stopwatch.StartNew();
        foreach (var node in nodes)
        {
            await node.StartAsync(Ct);
        }

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(240), "ledger", "account_balance");
        TestContext.Current.TestOutputHelper?.WriteLine($"catch-up of {backlog} events through the pooler: {watch.Elapsed.TotalSeconds:F1} s");

        // Four writers through the pooler while the pooler restarts and the batch backends are terminated.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var writers = bed.StartWriters(4, stop.Token, through: writerStore);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        await proxy.RestartAsync(Ct);
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            // The pooler's server connections show the name of the client that used them last: a batch's or a writer's.
            await using var terminate = new NpgsqlCommand(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                + "AND (application_name LIKE 'projectiongen-batch:%' OR application_name = 'pooled-writer')",
                admin);
            // Right after the pooler's restart its new server connections may not carry a client's name yet (the pooler
            // sets it when a client next uses one): ask again for a while; the fault must still end at least one.
            var terminated = 0L;
            for (var attempt = 0; attempt < 20 && terminated == 0; attempt++)
            {
                if (attempt > 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), Ct);
                }

                terminated = (long)(await terminate.ExecuteScalarAsync(Ct))!;
            }

            Assert.True(terminated > 0, "no server connection of the pooler was terminated in 5 s: the fault did nothing");
        }

        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        await stop.CancelAsync();
        await writers;

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(120), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.AgentPaused);
        Assert.DoesNotContain(nodes.SelectMany(n => n.GetStates()), s => s.Status == AgentStatus.Paused);
    }

    private static void SkipWithoutPgBouncer()
    {
        if (PgBouncerProxy.FindBinary() is null)
        {
            Assert.Skip("pgbouncer is not installed (build/test.sh installs it on Debian as root).");
        }
    }
}
