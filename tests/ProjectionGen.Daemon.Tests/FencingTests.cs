using ProjectionGen.Daemon;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// The race Marten's design leaves open, made deterministic: the owner passes the guard, loses its lock, another node
/// takes over and commits, and only then does the old owner send its commit.
/// </summary>
public sealed class FencingTests(PostgresFixture postgres)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_stale_owner_that_paused_after_the_guard_is_rejected_by_the_epoch()
    {
        await using var database = await postgres.CreateDatabaseAsync("fencing");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.AppendAsync(100);

        var paused = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var old = bed.CreateDaemon("old-" + suffix, [new Projections.LedgerProjection()], new DaemonTestHooks
        {
            BeforeCommit = async batch =>
            {
                // Passed the guard with events in hand: pause here, once, like a long GC pause or SIGSTOP.
                if (batch.Events.Count > 0 && paused.TrySetResult(batch.Epoch))
                {
                    await resume.Task;
                }
            },
        });
        await old.StartAsync(Ct);
        var oldEpoch = await paused.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        // Take the lock away, and let a new node win it and commit the same events.
        Assert.Equal(1, await postgres.Server.TerminateBackendsAsync(old.LockApplicationName, Ct));
        var successor = bed.CreateDaemon("new-" + suffix, [new Projections.LedgerProjection()]);
        await successor.StartAsync(Ct);
        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e is { Kind: ProjectionLifecycleKind.BatchCommitted, Projection: "ledger" } && e.Node == successor.NodeName && e.Epoch > oldEpoch && e.ToPosition > e.FromPosition),
            TimeSpan.FromSeconds(30), "the successor's first commit");

        resume.SetResult();

        await Eventually.HoldsAsync(
            () => bed.Lifecycle.Any(e => e.Kind == ProjectionLifecycleKind.AgentStopped && e.Node == old.NodeName && e.Epoch == oldEpoch
                && (e.Cause ?? "").StartsWith(nameof(ProjectionProgressFailure.EpochSuperseded), StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the stale owner to stop on EpochSuperseded");

        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), "ledger");
        Assert.Empty(await bed.VerifyExactlyOnceAsync(balances: false));
        Assert.DoesNotContain(bed.Lifecycle, e => e.Kind == ProjectionLifecycleKind.BatchCommitted && e.Node == old.NodeName && e.Epoch == oldEpoch && e.ToPosition > e.FromPosition);
    }
}
