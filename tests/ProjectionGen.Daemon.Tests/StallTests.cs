using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Nothing one slot does stalls the others: a locked progress row, a handler that hangs, a pause that a rebuild or a
/// lock blip meets (hardening items 5, 6, 11 and 12).
/// </summary>
public sealed class StallTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_progress_row_locked_by_another_transaction_stalls_neither_the_heartbeat_nor_the_other_projections()
    {
        await using var database = await postgres.CreateDatabaseAsync("rowlock");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var first = bed.CreateDaemon("first-" + suffix, DaemonTestBed.StandardProjections());
        await first.StartAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));
        await first.StopAsync(Ct);

        // A long rebuild or a stuck commit holds the ledger's progress row.
        await using var blocker = new NpgsqlConnection(database.ConnectionString);
        await blocker.OpenAsync(Ct);
        await using var transaction = await blocker.BeginTransactionAsync(Ct);
        await using (var command = new NpgsqlCommand("SELECT 1 FROM projectiongen.progress WHERE name = 'ledger' FOR UPDATE", blocker, transaction))
        {
            await command.ExecuteScalarAsync(Ct);
        }

        var second = bed.CreateDaemon("second-" + suffix, [new LedgerProjection(), new AccountBalanceProjection()], o => o.HeartbeatTimeout = TimeSpan.FromSeconds(2));
        await second.StartAsync(Ct);
        await bed.WaitForOwnerAsync("account_balance", TimeSpan.FromSeconds(15));
        var until = DateTime.UtcNow.AddSeconds(4);
        while (DateTime.UtcNow < until)
        {
            Assert.True(second.IsLockConnectionHealthy, "the heartbeat stalled behind the locked row");
            Assert.DoesNotContain(second.GetStates(), s => s.Projection == "ledger" && s.Status == AgentStatus.Running);
            await Task.Delay(100, Ct);
        }

        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.LockLost && e.Node == second.NodeName);
        await transaction.RollbackAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(15));
        await bed.AppendAsync(30);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
    }

    [Fact]
    public async Task A_graceful_stop_releases_each_lock_as_its_agent_stops_and_a_hard_stop_does_not_wait_for_a_hung_handler()
    {
        await using var database = await postgres.CreateDatabaseAsync("shutdown");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var blocking = new BlockingProjection();
        var node = bed.CreateDaemon("stop-" + Guid.NewGuid().ToString("N")[..6], [new LedgerProjection(), blocking]);
        await node.StartAsync(Ct);
        await bed.AppendAsync(5);
        await blocking.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(30), "ledger");

        using var hard = new CancellationTokenSource();
        try
        {
            var stopping = node.StopAsync(hard.Token);

            // The idle ledger agent stops at once and its lock goes, while the hung handler still holds its own.
            await Eventually.HoldsAsync(() => CountLocksAsync(database.ConnectionString, node.LockApplicationName).Result == 1, TimeSpan.FromSeconds(15), "only the hung slot's lock left");
            Assert.False(stopping.IsCompleted);

            // A hard stop abandons the hung handler after a bounded wait (its commit would be fenced).
            await hard.CancelAsync();
            var finished = await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(30), Ct));
            Assert.Same(stopping, finished);

            // The lock connection is closed by then; its backend exits (and lets go of the last lock) just after.
            await Eventually.HoldsAsync(() => CountLocksAsync(database.ConnectionString, node.LockApplicationName).Result == 0, TimeSpan.FromSeconds(10), "no lock left once the lock connection is closed");
        }
        finally
        {
            // Whatever happened, the hung handler is let go, so that nothing outlives the test.
            blocking.Gate.TrySetResult();
        }
    }

    [Fact]
    public async Task A_rebuild_replays_a_paused_projection_and_a_lock_blip_keeps_the_pause_without_retrying()
    {
        await using var database = await postgres.CreateDatabaseAsync("pausedrebuild");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.Store.AppendAsync("acct-p", [new Withdrawn("acct-p", 5), new Withdrawn("acct-p", 13), new Withdrawn("acct-p", 8)], ExpectedVersion.Any, cancellationToken: Ct);
        var node = bed.CreateDaemon("paused-" + Guid.NewGuid().ToString("N")[..6], [new PausingProjection()], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await node.StartAsync(Ct);
        await Eventually.HoldsAsync(() => node.GetStates().Single().Status == AgentStatus.Paused, TimeSpan.FromSeconds(30), "the agent to pause");
        var pausedAt = node.GetStates().Single().Epoch;
        var pauses = bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.AgentPaused);
        var status = new ProjectionStatusReader(bed.Store);
        for (var deadline = DateTime.UtcNow.AddSeconds(15); (await status.ReadAsync(Ct)).Single().State != "paused";)
        {
            Assert.True(DateTime.UtcNow < deadline, "the pause was never recorded in the progress row");
            await Task.Delay(20, Ct);
        }

        // A lock blip: the next owner keeps the slot paused (recorded in its progress row) instead of retrying the poison.
        await using (var admin = new NpgsqlConnection(database.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", admin);
            kill.Parameters.AddWithValue(node.LockApplicationName);
            await kill.ExecuteNonQueryAsync(Ct);
        }

        await Eventually.HoldsAsync(() => node.GetStates().Single() is { Status: AgentStatus.Paused } s && s.Epoch > pausedAt, TimeSpan.FromSeconds(30), "the slot held paused under a new epoch");
        await Task.Delay(500, Ct);
        Assert.Equal(pauses, bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.AgentPaused));
        Assert.Equal("paused", (await status.ReadAsync(Ct)).Single().State);

        // A rebuild reaches the paused slot: the holder gives the lock back and the projection replays from 0.
        var rebuilt = await new ProjectionRebuilder(bed.Store, [new PausingProjection()]).RebuildAsync("pausing", Ct);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Epoch > rebuilt.Epoch),
            TimeSpan.FromSeconds(30), "the paused projection re-acquired after the rebuild");
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Count(e => e.Kind == ProjectionLifecycleKind.AgentPaused) > pauses,
            TimeSpan.FromSeconds(30), "the replay to reach the poison event again");
    }

    [Fact]
    public async Task A_daemon_may_be_disposed_twice()
    {
        await using var database = await postgres.CreateDatabaseAsync("dispose");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var node = bed.CreateDaemon("dispose-" + Guid.NewGuid().ToString("N")[..6], DaemonTestBed.StandardProjections());
        await node.StartAsync(Ct);
        await node.DisposeAsync();
        await node.DisposeAsync();
        await node.StopAsync(Ct);
    }

    private static async Task<long> CountLocksAsync(string connectionString, string applicationName)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND a.application_name = $1",
            connection);
        command.Parameters.AddWithValue(applicationName);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
