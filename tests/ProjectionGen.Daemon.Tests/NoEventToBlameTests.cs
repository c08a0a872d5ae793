using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A batch that fails with no event to blame (a read, or a commit of nothing but progress) and a pooler's protocol
/// errors never pause a slot and never dead-letter an event: they back off and retry, and a run of such failures past
/// the retries raises one alert (docs/operations.md, "Behind a connection pooler").
/// </summary>
public sealed class NoEventToBlameTests(PostgresFixture postgres)
{
    /// <summary>BatchStalled in DaemonLog.</summary>
    private const int BatchStalledEventId = 1031;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_batch_of_no_events_that_keeps_failing_backs_off_alerts_once_and_is_never_paused()
    {
        await using var database = await postgres.CreateDatabaseAsync("noblame");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var create = new NpgsqlCommand(WithdrawalsProjection.CreateTableSql, connection);
            await create.ExecuteNonQueryAsync(Ct);
        }

        // Deposits only: every batch of the withdrawals projection holds no event and commits only its progress.
        for (var i = 0; i < 10; i++)
        {
            await bed.Store.AppendAsync("acct-" + i, [new Deposited("acct-" + i, i + 1)], ExpectedVersion.Any, cancellationToken: Ct);
        }

        // Twice the retries (MaxRetries defaults to 3) of a non-transient failure of such a commit, then it succeeds.
        const int failures = 8;
        var failed = 0;
        var node = "noblame-" + Guid.NewGuid().ToString("N")[..6];
        var hooks = new DaemonTestHooks
        {
            BeforeCommit = batch =>
            {
                Assert.Empty(batch.Events);
                return Interlocked.Increment(ref failed) <= failures
                    ? throw new InvalidOperationException("the progress-only commit failed (test): Host=db;Password=hunter2")
                    : Task.CompletedTask;
            },
        };
        var daemon = bed.CreateDaemon(node, [new WithdrawalsProjection()], hooks, o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(100);
        });
        await daemon.StartAsync(Ct);

        var mark = await bed.Store.ReadSafeHighWaterMarkAsync(Ct);
        await Eventually.HoldsAsync(
            () => daemon.GetStates().Single() is { } state && (state.Status == AgentStatus.Paused || state.Position >= mark),
            TimeSpan.FromSeconds(60),
            "the slot to catch up (or pause)");
        var final = daemon.GetStates().Single();
        Assert.True(final.Status != AgentStatus.Paused, $"The slot paused on a batch of no events: {final.StopReason}");
        Assert.Equal(AgentStatus.Running, final.Status);
        Assert.True(Volatile.Read(ref failed) > failures);
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.AgentPaused);

        // One alert for the run of failures, not one per failure.
        Assert.Equal(1, bed.CountLogLines(BatchStalledEventId, "withdrawals"));
        var stalled = Assert.Single(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.BatchStalled && e.Projection == "withdrawals");

        // The alert's reason goes to alert sinks and pages: the failure is named safely, never by a message that may
        // carry a connection string.
        Assert.Contains(nameof(InvalidOperationException), stalled.Cause!, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", stalled.Cause!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.InvalidSqlStatementName, "prepared statement \"_p1\" does not exist")]
    [InlineData(PostgresErrorCodes.DuplicatePreparedStatement, "prepared statement \"_p1\" already exists")]
    [InlineData(PostgresErrorCodes.ProtocolViolation, "invalid frontend message type 0")]
    public async Task A_poolers_protocol_error_is_transient_and_never_blamed_on_an_event(string sqlState, string message)
    {
        await using var database = await postgres.CreateDatabaseAsync("poolerr");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(60);

        // More failures than an event's retries (MaxRetries 3: four attempts): blamed on an event, it would be dead-lettered.
        const int failures = 8;
        var failed = 0;
        var hooks = new DaemonTestHooks
        {
            BeforeCommit = batch => batch.Events.Count > 0 && Interlocked.Increment(ref failed) <= failures
                ? throw new PostgresException(message, "ERROR", "ERROR", sqlState)
                : Task.CompletedTask,
        };
        var daemon = bed.CreateDaemon("poolerr-" + Guid.NewGuid().ToString("N")[..6], [new LedgerProjection()], hooks, o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(100);
        });
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");

        Assert.True(Volatile.Read(ref failed) > failures);
        Assert.Equal(AgentStatus.Running, daemon.GetStates().Single().Status);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using (var command = new NpgsqlCommand("SELECT count(*) FROM projectiongen.dead_letters", connection))
        {
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(Ct))!);
        }

        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
    }
    /// <summary>
    /// A read model the node's role cannot write as the code expects (a table missing, renamed, not granted, or a
    /// column a newer build's migration has not added yet: SQLSTATE class 42) fails every event alike, so no event is to
    /// blame: the slot stalls with an alert and dead-letters nothing, and catches up exactly once when the schema is
    /// put right (docs/daemon.md, "Failures that are not lock loss").
    /// </summary>
    [Theory]
    [InlineData("ALTER TABLE ledger RENAME TO ledger_away", "ALTER TABLE ledger_away RENAME TO ledger")]
    [InlineData("ALTER TABLE ledger RENAME COLUMN amount TO amount_away", "ALTER TABLE ledger RENAME COLUMN amount_away TO amount")]
    public async Task A_read_model_the_node_cannot_write_stalls_the_slot_with_an_alert_and_dead_letters_nothing(string breakSql, string repairSql)
    {
        await using var database = await postgres.CreateDatabaseAsync("nowrite");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await ExecuteAsync(connection, breakSql);
        await bed.AppendAsync(60);

        var daemon = bed.CreateDaemon("nowrite-" + Guid.NewGuid().ToString("N")[..6], [new LedgerProjection()], o =>
        {
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(100);
        });
        await daemon.StartAsync(Ct);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.BatchStalled && e.Projection == "ledger")
                || daemon.GetStates().Single().Position > 0 || daemon.GetStates().Single().Status == AgentStatus.Paused,
            TimeSpan.FromSeconds(60), "the slot to stall (or move past its events)");

        // Well past an event's retries (MaxRetries 3): blamed on events, they would have been dead-lettered by now.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal(0L, await ScalarAsync(connection, "SELECT count(*) FROM projectiongen.dead_letters"));
        Assert.Equal(0L, daemon.GetStates().Single().Position);
        Assert.Equal(AgentStatus.Running, daemon.GetStates().Single().Status);
        var stalled = Assert.Single(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.BatchStalled && e.Projection == "ledger");
        Assert.Contains("42", stalled.Cause!, StringComparison.Ordinal);

        await ExecuteAsync(connection, repairSql);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
