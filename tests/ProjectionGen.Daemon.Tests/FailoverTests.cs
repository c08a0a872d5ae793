using System.Diagnostics;
using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>Failover to another node after the owner's lock is lost. The time is printed; only a generous bound is asserted.</summary>
public sealed class FailoverTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_slot_commits_again_under_a_new_epoch_soon_after_its_owner_loses_its_lock()
    {
        await using var database = await postgres.CreateDatabaseAsync("failover");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var first = bed.CreateDaemon("first-" + suffix, DaemonTestBed.StandardProjections());
        await first.StartAsync(Ct);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));
        var second = bed.CreateDaemon("second-" + suffix, DaemonTestBed.StandardProjections());
        await second.StartAsync(Ct);
        await DaemonTestBed.WaitForBalanceAsync(TimeSpan.FromSeconds(30), first, second);

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token);
        var (epoch, owner) = await bed.ReadOwnershipAsync("ledger");
        var victim = owner == first.NodeName ? first : second;

        // The owner's lock session dies; the node itself lives, reconnects and, placement still preferring it, takes the
        // slot back under a new epoch (a dead node's slots go to the others: see the cluster acceptance tests).
        var clock = Stopwatch.StartNew();
        Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(victim.LockApplicationName, Ct));
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "ledger" } && e.Epoch > epoch),
            TimeSpan.FromSeconds(30), "the first ledger commit under a new epoch");
        var failover = clock.Elapsed;
        TestContext.Current.TestOutputHelper?.WriteLine($"failover: lock loss to the first commit under a new epoch took {failover.TotalMilliseconds:F0} ms (target with default settings: < 2000 ms)");

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
    }
}
