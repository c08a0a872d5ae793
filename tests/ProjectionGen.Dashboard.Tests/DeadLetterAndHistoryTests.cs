using Npgsql;
using ProjectionGen.EventStore;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The dashboard's data owners against a real daemon: dead-letter retry and discard, and the bounded history.</summary>
public sealed class DeadLetterAndHistoryTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retry_applies_a_fixed_dead_letter_once_under_a_new_epoch_and_a_failing_retry_keeps_it()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_retry");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await Execute(database.ConnectionString, FlakyProjection.CreateTableSql);
        var flaky = new FlakyProjection();
        var daemon = bed.CreateDaemon("retry-node", [flaky]);
        await daemon.StartAsync(Ct);
        await bed.Store.AppendAsync("acct-1", [new Deposited("acct-1", 5), new Deposited("acct-1", 13), new Deposited("acct-1", 7)], ExpectedVersion.Any, cancellationToken: Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "flaky");
        var deadLetters = new ProjectionDeadLetters(bed.Store, [flaky]);
        var letter = Assert.Single(await deadLetters.ReadAsync(cancellationToken: Ct));
        Assert.Contains("\"amount\": 13", letter.Payload, StringComparison.Ordinal);
        Assert.Contains("13 is unlucky until fixed", letter.Exception, StringComparison.Ordinal);
        var (epochBefore, _) = await bed.ReadOwnershipAsync("flaky");

        // Not fixed yet: nothing applied, the epoch untouched, one more attempt recorded.
        var failed = await deadLetters.RetryAsync(letter.Id, Ct);
        Assert.NotNull(failed);
        Assert.False(failed.Applied);
        Assert.Contains("13 is unlucky until fixed", failed.Error, StringComparison.Ordinal);
        Assert.Equal(epochBefore, (await bed.ReadOwnershipAsync("flaky")).Epoch);
        Assert.Equal(letter.Attempts + 1, Assert.Single(await deadLetters.ReadAsync(cancellationToken: Ct)).Attempts);

        // Fixed: applied once, the dead letter gone, the owner fenced by a newer epoch and the projection carries on.
        flaky.Fixed = true;
        var applied = await deadLetters.RetryAsync(letter.Id, Ct);
        Assert.NotNull(applied);
        Assert.True(applied.Applied, applied.Error);
        Assert.Equal(epochBefore + 1, applied.Epoch);
        Assert.Empty(await deadLetters.ReadAsync(cancellationToken: Ct));
        Assert.Null(await deadLetters.RetryAsync(letter.Id, Ct));
        await bed.WaitForOwnerAsync("flaky", TimeSpan.FromSeconds(30), minimumEpoch: epochBefore + 2);
        await bed.Store.AppendAsync("acct-1", [new Deposited("acct-1", 9)], ExpectedVersion.Any, cancellationToken: Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "flaky");
        var rows = await Query(database.ConnectionString, "SELECT amount FROM flaky_ledger ORDER BY seq");
        Assert.Equal([5, 13, 7, 9], rows);

        // Discard removes a dead letter without applying it.
        flaky.Fixed = false;
        await bed.Store.AppendAsync("acct-2", [new Deposited("acct-2", 13)], ExpectedVersion.Any, cancellationToken: Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "flaky");
        var second = Assert.Single(await deadLetters.ReadAsync(cancellationToken: Ct));
        Assert.True(await deadLetters.DiscardAsync(second.Id, Ct));
        Assert.False(await deadLetters.DiscardAsync(second.Id, Ct));
        Assert.Equal(0, await deadLetters.CountAsync(Ct));
    }

    [Fact]
    public async Task History_records_acquisitions_moves_losses_and_rebuilds_and_stays_bounded()
    {
        await using var database = await postgres.CreateDatabaseAsync("dash_history");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var first = bed.CreateDaemon("hist-a-" + Guid.NewGuid().ToString("N")[..6], [new LedgerProjection()]);
        await first.StartAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));
        var history = new ProjectionHistory(bed.Store);
        var acquired = Assert.Single(await history.ReadAsync(DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: Ct));
        Assert.Equal((ProjectionHistoryKinds.Acquired, "ledger", first.NodeName, 1L), (acquired.Kind, acquired.Projection, acquired.Node, acquired.Epoch));

        // The first node stops, a second one takes over: a move. (Loss rows come from the hosted alert dispatcher; the
        // browser tests cover them on hosted nodes.)
        var second = bed.CreateDaemon("hist-b-" + Guid.NewGuid().ToString("N")[..6], [new LedgerProjection()]);
        await first.StopAsync(Ct);
        await second.StartAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30), minimumEpoch: 2);
        var moved = (await history.ReadAsync(DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: Ct))[0];
        Assert.Equal((ProjectionHistoryKinds.Moved, second.NodeName, 2L, "from " + first.NodeName), (moved.Kind, moved.Node, moved.Epoch, moved.Detail));

        // A rebuild: its row carries the epoch it bumped to and the position it reset.
        await bed.AppendAsync(12, seed: 3);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        var rebuild = await new ProjectionRebuilder(bed.Store, [new LedgerProjection()]).RebuildAsync("ledger", Ct);
        var rebuilt = (await history.ReadAsync(DateTimeOffset.UtcNow.AddHours(-1), cancellationToken: Ct)).First(e => e.Kind == ProjectionHistoryKinds.Rebuilt);
        Assert.Equal((rebuild.Epoch, rebuild.PreviousPosition), (rebuilt.Epoch!.Value, rebuilt.Position!.Value));
        Assert.Contains("owner " + second.NodeName + " fenced", rebuilt.Detail, StringComparison.Ordinal);

        // Bounded: past MaxRows, each insert prunes the oldest rows, never more than it can lock without waiting.
        await Execute(database.ConnectionString, $"INSERT INTO projectiongen.projection_history (kind, projection) SELECT 'acquired', 'filler' FROM generate_series(1, {ProjectionHistory.MaxRows + 20})");
        await Execute(database.ConnectionString, "INSERT INTO projectiongen.projection_history (at, kind, projection) VALUES (now() - interval '25 hours', 'acquired', 'ancient')");
        await new ProjectionRebuilder(bed.Store, [new LedgerProjection()]).RebuildAsync("ledger", Ct);
        var count = (await Query(database.ConnectionString, "SELECT count(*)::int FROM projectiongen.projection_history")).Single();
        Assert.True(count <= ProjectionHistory.MaxRows + 1, $"{count} rows after a pruning insert");
        Assert.Empty(await Query(database.ConnectionString, "SELECT 1 FROM projectiongen.projection_history WHERE projection IN ('ancient', 'ledger') AND at < now() - interval '24 hours'"));
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    private static async Task<List<int>> Query(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var values = new List<int>();
        while (await reader.ReadAsync(Ct))
        {
            values.Add(reader.GetInt32(0));
        }

        return values;
    }
}
