using Npgsql;
using ProjectionGen.Daemon;
using ProjectionGen.Tests.Projections;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// A batch failing transiently again and again (here: the events table locked by another session, so every read times
/// out on <c>lock_timeout</c> with 55P03) is retried with exponentially growing delays, keeping ownership, and the
/// projection carries on once the failure ends. Counts attempts over a window; never asserts speed.
/// </summary>
public sealed class TransientFailureTests(PostgresFixture postgres)
{
    /// <summary>TransientFailure in DaemonLog.</summary>
    private const int TransientFailureEventId = 1010;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Repeated_transient_failures_back_off_exponentially_while_the_node_keeps_the_projection()
    {
        await using var database = await postgres.CreateDatabaseAsync("backoff");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(20);

        var node = "backoff-" + Guid.NewGuid().ToString("N")[..6];
        var daemon = bed.CreateDaemon(node, [new LedgerProjection()], o =>
        {
            // Batch connections give up on a lock after 20 ms; the lock connection is left alone.
            o.ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Options = "-c lock_timeout=20" }.ConnectionString;
            o.LockConnectionString = database.ConnectionString;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
            o.MaxRetryDelay = TimeSpan.FromSeconds(2);
            o.PollInterval = TimeSpan.FromMilliseconds(200);
        });
        await daemon.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        var epoch = daemon.GetStates().Single().Epoch;

        var attempts = 0;
        await using (var locker = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database.ConnectionString) { Pooling = false }.ConnectionString))
        {
            await locker.OpenAsync(Ct);
            await using var transaction = await locker.BeginTransactionAsync(Ct);
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE projectiongen.events IN ACCESS EXCLUSIVE MODE", locker, transaction))
            {
                await lockTable.ExecuteNonQueryAsync(Ct);
            }

            // From the first failure on, count the attempts in a six-second window. Without backoff (20 ms lock wait +
            // 20 ms delay) that is about 150; doubling from 20 ms up to 2 s allows at most about 10.
            var before = bed.CountLogLines(TransientFailureEventId, node);
            await Eventually.HoldsAsync(() => bed.CountLogLines(TransientFailureEventId, node) > before, TimeSpan.FromSeconds(30), "the first transient failure");
            var windowStart = bed.CountLogLines(TransientFailureEventId, node);
            await Task.Delay(TimeSpan.FromSeconds(6), Ct);
            attempts = bed.CountLogLines(TransientFailureEventId, node) - windowStart;
            await transaction.RollbackAsync(Ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{attempts} failed attempts in the six-second window");
        Assert.True(attempts <= 15, $"{attempts} attempts in six seconds: the retries do not back off.");
        Assert.True(attempts >= 1, "No attempt failed in the window: the scenario did not happen.");

        // The failure ended: the same ownership (no new epoch) carries on.
        await bed.AppendAsync(10, seed: 2);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        Assert.Equal(epoch, daemon.GetStates().Single().Epoch);
        Assert.Equal(AgentStatus.Running, daemon.GetStates().Single().Status);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
    }
}
