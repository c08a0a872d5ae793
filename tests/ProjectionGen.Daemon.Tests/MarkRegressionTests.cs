using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The database goes back in time while an agent catches up on a safe mark it read earlier: the agent must not keep
/// reusing that mark, or it commits past numbers the sequence hands out again.
/// </summary>
public sealed class MarkRegressionTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_agent_catching_up_does_not_reuse_a_mark_from_before_the_database_went_back()
    {
        await using var database = await postgres.CreateDatabaseAsync("agentregress");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        for (var i = 1; i <= 100; i++)
        {
            await bed.Store.AppendAsync("acct-" + (i % 7), [new Deposited("acct-" + (i % 7), i)], ExpectedVersion.Any, cancellationToken: Ct);
        }

        var node = "regress-" + Guid.NewGuid().ToString("N")[..6];
        var wentBack = 0;
        var hooks = new DaemonTestHooks
        {
            BeforeCommit = async batch =>
            {
                // Half-way through the catch-up (the agent read the mark 100 once and reuses it): the store is restored
                // to event 50, the agent's batch connection breaks, and five events are appended again as 51-55.
                if (batch.FromPosition != 50 || Interlocked.Exchange(ref wentBack, 1) != 0)
                {
                    return;
                }

                await using var admin = new NpgsqlConnection(database.ConnectionString);
                await admin.OpenAsync(CancellationToken.None);
                await using (var restore = new NpgsqlCommand("DELETE FROM projectiongen.events WHERE seq > 50; SELECT setval('projectiongen.events_seq', 50)", admin))
                {
                    await restore.ExecuteNonQueryAsync(CancellationToken.None);
                }

                await using (var terminate = new NpgsqlCommand("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", admin))
                {
                    terminate.Parameters.Add(new NpgsqlParameter { Value = ProjectionDaemon.BatchApplicationName(node) });
                    Assert.True((long)(await terminate.ExecuteScalarAsync(CancellationToken.None))! >= 1);
                }

                for (var i = 0; i < 5; i++)
                {
                    await bed.Store.AppendAsync("acct-after", [new Deposited("acct-after", 1000 + i)], ExpectedVersion.Any, cancellationToken: CancellationToken.None);
                }
            },
        };
        var daemon = bed.CreateDaemon(node, [new LedgerProjection()], hooks, o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await daemon.StartAsync(Ct);
        await Eventually.HoldsAsync(() => Volatile.Read(ref wentBack) == 1, TimeSpan.FromSeconds(60), "the batch after position 50");
        await Eventually.HoldsAsync(() => daemon.GetStates().Single().Position >= 55, TimeSpan.FromSeconds(60), "the agent to pass the re-appended events");

        // Fifty more events after the regression: with a stale mark the agent has already committed past 100.
        for (var i = 0; i < 50; i++)
        {
            await bed.Store.AppendAsync("acct-later", [new Deposited("acct-later", 2000 + i)], ExpectedVersion.Any, cancellationToken: Ct);
        }

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
        Assert.Equal(105, (await bed.ReadPositionsAsync())["ledger"]);
    }
}
