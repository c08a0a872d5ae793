using ProjectionGen.Daemon;
using ProjectionGen.Testing;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Lock loss by every route docs/daemon.md lists ("Detection and failover"): the owning agent stops with <see cref="ProjectionProgressException"/>,
/// a node resumes under a higher epoch, and the read models stay exactly-once.
/// </summary>
public sealed class LockLossTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Terminated_lock_backend_stops_the_owner_and_a_node_resumes_under_a_higher_epoch()
    {
        await using var database = await postgres.CreateDatabaseAsync("terminate");
        await RunLockLossScenarioAsync(database.ConnectionString, (owner, _) => TerminateLockAsync(postgres.Server, owner), "LockLost");
    }

    [Fact]
    public async Task Fast_restart_of_the_server_stops_every_owner_and_the_cluster_recovers()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("restart", Ct);
        await RunLockLossScenarioAsync(database.ConnectionString, (_, _) => server.RestartAsync(fast: true, Ct), "LockLost");
    }

    [Fact]
    public async Task Crash_of_the_server_stops_every_owner_and_the_cluster_recovers()
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("crash", Ct);
        await RunLockLossScenarioAsync(database.ConnectionString, (_, _) => server.CrashAsync(restart: true, Ct), "LockLost");
    }

    private static async Task TerminateLockAsync(PostgresServer server, string owner)
    {
        var terminated = await server.TerminateBackendsAsync(ProjectionDaemon.LockApplicationNameFor(owner), Ct);
        Assert.Equal(1, terminated);
    }

    private static async Task RunLockLossScenarioAsync(string connectionString, Func<string, DaemonTestBed, Task> fault, string expectedReason)
    {
        await using var bed = await DaemonTestBed.CreateAsync(connectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var a = bed.CreateDaemon("a-" + suffix, DaemonTestBed.StandardProjections());
        var b = bed.CreateDaemon("b-" + suffix, DaemonTestBed.StandardProjections());
        await a.StartAsync(Ct);
        await b.StartAsync(Ct);
        await DaemonTestBed.WaitForBalanceAsync(TimeSpan.FromSeconds(30), a, b);

        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(3, stopWriters.Token);
        await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30));
        var (epochBefore, ownerBefore) = await bed.ReadOwnershipAsync("ledger");
        var owner = ownerBefore ?? throw new InvalidOperationException("ledger has no owner after the wait for one");
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "ledger" } && e.ToPosition > e.FromPosition),
            TimeSpan.FromSeconds(30), "a first ledger batch");

        await fault(owner, bed);

        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.AgentStopped && e.Node == owner && e.Projection == "ledger"
                && e.Epoch == epochBefore && (e.Cause ?? "").StartsWith(expectedReason, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), $"the owner's ledger agent to stop with {expectedReason}");

        // The loss is raised by the thread that noticed it (the heartbeat, the lock connection's failure, or the agent's
        // own refused commit), the stop by the agent: either may be seen first, so wait for both.
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.LockLost && e.Node == owner && e.Projection == "ledger" && e.Epoch == epochBefore),
            TimeSpan.FromSeconds(10), "the owner's ledger lock loss to be raised");

        var resumedBy = await bed.WaitForOwnerAsync("ledger", TimeSpan.FromSeconds(30), minimumEpoch: epochBefore + 1);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "ledger" } && e.Epoch > epochBefore && e.ToPosition > e.FromPosition),
            TimeSpan.FromSeconds(30), "a ledger batch under the new epoch");

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger", "account_balance");
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        var (epochAfter, ownerAfter) = await bed.ReadOwnershipAsync("ledger");
        Assert.True(epochAfter > epochBefore);

        // Placement may move the slot once more after the recovery (to rebalance), but only to one of the two nodes.
        Assert.Contains(ownerAfter, new[] { a.NodeName, b.NodeName });
        Assert.Contains(resumedBy, new[] { a.NodeName, b.NodeName });
    }
}
