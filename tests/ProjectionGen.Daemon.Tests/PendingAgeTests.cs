using Npgsql;
using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A running slot's <see cref="ProjectionAgentState.OldestPendingAt"/> (what a tenant daemon's
/// <c>projectiongen.lag.seconds</c> is computed from, docs/tenancy.md, "Operations per tenant"): the timestamp of the
/// oldest event its last read found after its position, and null once a read finds it at the mark.
/// </summary>
public sealed class PendingAgeTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_slot_held_in_its_batch_reports_its_oldest_pending_event_and_none_once_caught_up()
    {
        await using var database = await postgres.CreateDatabaseAsync("pendingage");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(40);
        var timestamps = await ReadTimestampsAsync(database.ConnectionString);

        // Every batch of the ledger waits before its commit until released: the first holds events 1-10.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hooks = new DaemonTestHooks { BeforeCommit = batch => batch.ProjectionName == "ledger" ? release.Task : Task.CompletedTask };
        var daemon = bed.CreateDaemon("pending-" + Guid.NewGuid().ToString("N")[..6], DaemonTestBed.StandardProjections(), hooks, o =>
        {
            o.DefaultBatchSize = 10;
            o.CatchUpBatchSize = 10;
        });
        await daemon.StartAsync(Ct);

        await Eventually.HoldsAsync(() => Ledger(daemon).OldestPendingAt is not null, TimeSpan.FromSeconds(30), "the ledger's first batch read");
        Assert.Equal(0, Ledger(daemon).Position);
        Assert.Equal(timestamps[1], Ledger(daemon).OldestPendingAt);

        release.SetResult();
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        await Eventually.HoldsAsync(() => Ledger(daemon).OldestPendingAt is null, TimeSpan.FromSeconds(10), "the ledger found at the mark");
        Assert.Equal(40, Ledger(daemon).Position);
        Assert.All(daemon.GetStates(), s => Assert.Null(s.OldestPendingAt));

        await daemon.StopAsync(Ct);
        Assert.All(daemon.GetStates(), s => Assert.Null(s.OldestPendingAt));
    }

    private static ProjectionAgentState Ledger(ProjectionDaemon daemon) => daemon.GetStates().Single(s => s.Projection == "ledger");

    private static async Task<Dictionary<long, DateTimeOffset>> ReadTimestampsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT seq, \"timestamp\" FROM projectiongen.events ORDER BY seq", connection);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var timestamps = new Dictionary<long, DateTimeOffset>();
        while (await reader.ReadAsync(Ct))
        {
            timestamps[reader.GetInt64(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return timestamps;
    }
}
