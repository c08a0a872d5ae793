using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Failures the generated per-event <c>try</c> does not see (a handler's <see cref="OperationCanceledException"/>, a
/// document that cannot be loaded, a parameter Npgsql refuses at commit) go through the poison-event policy like a
/// handler's exception: the event is dead-lettered or the projection pauses. The node keeps the projection: no stop,
/// release and re-acquire loop.
/// </summary>
public sealed class UnexpectedFailureTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_handler_throwing_TaskCanceledException_has_its_event_dead_lettered()
    {
        await using var database = await postgres.CreateDatabaseAsync("cancelled");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(database, CancellingProjection.CreateTableSql);
        var appended = await bed.Store.AppendAsync("acct-c", [new Deposited("acct-c", 5), new Deposited("acct-c", 13), new Deposited("acct-c", 8)], ExpectedVersion.Any, cancellationToken: Ct);
        var poison = appended.FirstSequence + 1;

        var daemon = bed.CreateDaemon("cancelled-" + Guid.NewGuid().ToString("N")[..6], [new CancellingProjection()], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "cancelling");

        var (seq, reason, attempts) = await SingleDeadLetterAsync(database, "cancelling");
        Assert.Equal(poison, seq);
        Assert.Contains("TaskCanceledException", reason, StringComparison.Ordinal);
        Assert.Contains("The HTTP request timed out.", reason, StringComparison.Ordinal);
        Assert.Equal(2, attempts);
        Assert.Equal([appended.FirstSequence, appended.LastSequence], await LedgerAsync(database, "SELECT seq FROM cancelling_ledger ORDER BY seq"));
        AssertOwnedOnce(bed, daemon, "cancelling");
    }

    [Fact]
    public async Task A_document_that_cannot_be_loaded_has_the_events_of_its_stream_dead_lettered()
    {
        await using var database = await postgres.CreateDatabaseAsync("corruptdoc");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var daemon = bed.CreateDaemon("corrupt-" + Guid.NewGuid().ToString("N")[..6], [new TallyProjection()], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);

        // The daemon created the document table; a stream's document is corrupted before its next event arrives.
        await ExecuteAsync(database, """INSERT INTO projectiongen.doc_tally (id, data, last_seq) VALUES ('acct-corrupt', '{"count": {"nested": true}}', 0)""");

        // Three appends in one transaction, so that they arrive in one batch.
        long poison;
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync(Ct);
            await using var transaction = await connection.BeginTransactionAsync(Ct);
            await bed.Store.AppendAsync(connection, "acct-ok", [new Deposited("acct-ok", 1)], ExpectedVersion.Any, null, Ct);
            poison = (await bed.Store.AppendAsync(connection, "acct-corrupt", [new Deposited("acct-corrupt", 2)], ExpectedVersion.Any, null, Ct)).FirstSequence;
            await bed.Store.AppendAsync(connection, "acct-ok", [new Deposited("acct-ok", 3)], ExpectedVersion.Any, null, Ct);
            await transaction.CommitAsync(Ct);
        }

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "tally");
        var (seq, reason, attempts) = await SingleDeadLetterAsync(database, "tally");
        Assert.Equal(poison, seq);
        Assert.Contains("JsonException", reason, StringComparison.Ordinal);
        Assert.Contains("acct-corrupt", reason, StringComparison.Ordinal);
        Assert.Equal(2, attempts);
        await using (var connection = await OpenAsync(database))
        await using (var command = new NpgsqlCommand("SELECT (data->>'count')::int FROM projectiongen.doc_tally WHERE id = 'acct-ok'", connection))
        {
            Assert.Equal(2, (int)(await command.ExecuteScalarAsync(Ct))!);
        }

        AssertOwnedOnce(bed, daemon, "tally");
    }

    [Fact]
    public async Task A_parameter_Npgsql_refuses_at_commit_pauses_a_projection_under_the_pause_policy()
    {
        await using var database = await postgres.CreateDatabaseAsync("strictparam");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await ExecuteAsync(database, StrictParameterProjection.CreateTableSql);
        var appended = await bed.Store.AppendAsync("acct-s", [new Withdrawn("acct-s", 5), new Withdrawn("acct-s", 13), new Withdrawn("acct-s", 8)], ExpectedVersion.Any, cancellationToken: Ct);
        var poison = appended.FirstSequence + 1;

        var daemon = bed.CreateDaemon("strict-" + Guid.NewGuid().ToString("N")[..6], [new StrictParameterProjection()], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);
        await Eventually.HoldsAsync(() => daemon.GetStates().Single().Status == AgentStatus.Paused, TimeSpan.FromSeconds(60), "the projection to pause");

        var state = daemon.GetStates().Single();
        Assert.Contains($"event {poison}", state.StopReason, StringComparison.Ordinal);
        Assert.Contains("Unwritable", state.StopReason, StringComparison.Ordinal);

        // Everything before the poison event is projected, nothing from it on, and nothing is dead-lettered.
        Assert.Equal(appended.FirstSequence, (await bed.ReadPositionsAsync())["strict_parameter"]);
        Assert.Equal([appended.FirstSequence], await LedgerAsync(database, "SELECT seq FROM strict_ledger ORDER BY seq"));
        Assert.Equal([], await LedgerAsync(database, "SELECT seq FROM projectiongen.dead_letters"));
        AssertOwnedOnce(bed, daemon, "strict_parameter");
    }

    /// <summary>One acquisition for the whole test: the failure never made the node stop and re-acquire the projection.</summary>
    private static void AssertOwnedOnce(DaemonTestBed bed, ProjectionDaemon daemon, string projection)
    {
        Assert.Single(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Projection == projection);
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.AgentStopped && e.Projection == projection);
        Assert.Equal(1, daemon.GetStates().Single().Epoch);
    }

    private static async Task<(long Seq, string Reason, int Attempts)> SingleDeadLetterAsync(Testing.TestDatabase database, string projection)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand("SELECT seq, reason, attempts FROM projectiongen.dead_letters WHERE projection = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = projection });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct), "No dead letter.");
        var row = (reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2));
        Assert.False(await reader.ReadAsync(Ct), "More than one dead letter.");
        return row;
    }

    private static async Task<List<long>> LedgerAsync(Testing.TestDatabase database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<long>();
        while (await reader.ReadAsync(Ct))
        {
            rows.Add(reader.GetInt64(0));
        }

        return rows;
    }

    private static async Task ExecuteAsync(Testing.TestDatabase database, string sql)
    {
        await using var connection = await OpenAsync(database);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<NpgsqlConnection> OpenAsync(Testing.TestDatabase database)
    {
        var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        return connection;
    }
}
