using Npgsql;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// One node owning more projections than its batch pool has connections: an idle agent must not pin a connection, and
/// a full pool must only delay a batch, never stall a projection the node holds.
/// </summary>
public sealed class ConnectionPoolTests(PostgresFixture postgres)
{
    private const int Projections = 6;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Six_projections_on_a_batch_pool_of_two_connections_all_reach_the_head_exactly_once()
    {
        await using var database = await postgres.CreateDatabaseAsync("pool");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(100);

        var names = Enumerable.Range(1, Projections).Select(i => "pooled_" + i).ToArray();
        var daemon = bed.CreateDaemon("pool-" + Guid.NewGuid().ToString("N")[..6], names.Select(name => new RenamedProjection(new LedgerProjection(), name)), o =>
        {
            o.ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 2, Timeout = 5 }.ConnectionString;
            o.LockConnectionString = database.ConnectionString;
        });
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(90), names);

        // The pool stays small while they are all idle at the head, and new events still reach every one of them.
        await bed.AppendAsync(50, seed: 2);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(90), names);
        Assert.All(daemon.GetStates(), state => Assert.Equal(1, state.Epoch));

        // Each of the six projections wrote each event's ledger row exactly once.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM projectiongen.events e LEFT JOIN (SELECT seq, count(*) AS n FROM ledger GROUP BY seq) l USING (seq) WHERE l.n IS DISTINCT FROM $1",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (long)Projections });
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync(Ct))!);
    }
}
