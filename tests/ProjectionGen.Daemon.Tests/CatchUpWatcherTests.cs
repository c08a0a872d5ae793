using ProjectionGen.Daemon;
using ProjectionGen.EventStore;
using ProjectionGen.Operations;
using ProjectionGen.Tests.Projections;
using ProjectionGen.Versions;
using Xunit;
using static ProjectionGen.Tests.VersionTestQueries;

namespace ProjectionGen.Tests;

/// <summary>
/// <see cref="ProjectionCatchUpWatcher"/> against a real daemon node in this process (docs/operations.md, "Watching a
/// catch-up"): a rebuilt sharded projection's lowest position climbs to the head seen at the start and the watch ends
/// caught up; with no node it keeps reporting 0; a paused projection ends the watch; a shadow rebuild is watched until
/// readers are switched to it.
/// </summary>
public sealed class CatchUpWatcherTests(PostgresFixture postgres)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_rebuild_is_watched_from_position_0_with_no_node_to_a_final_caught_up_sample_at_the_head()
    {
        await using var database = await postgres.CreateDatabaseAsync("watch_rebuild");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await AppendManyAsync(bed.Store, streams: 300, eventsPerStream: 10, prefix: "w");
        var head = await bed.Store.ReadSafeHighWaterMarkAsync(Ct);
        var rebuilt = await new ProjectionRebuilder(bed.Store, [new ShardedBalanceProjection()]).RebuildAsync("sharded_balance", Ct);
        var watcher = new ProjectionCatchUpWatcher(bed.Store);

        // No node runs it: the watch reports position 0 until the caller gives up (here after four samples).
        var idle = new List<CatchUpProgress>();
        using (var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            giveUp.CancelAfter(TimeSpan.FromSeconds(60));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var sample in watcher.WatchRebuildAsync("sharded_balance", rebuilt.Epoch, Interval, giveUp.Token))
                {
                    idle.Add(sample);
                    if (idle.Count == 4)
                    {
                        await giveUp.CancelAsync();
                    }
                }
            });
        }

        Assert.Equal(4, idle.Count);
        Assert.All(idle, s => Assert.Equal((0L, head, false, false, "rebuilding", 4, "sharded_balance", head), (s.Position, s.Head, s.CaughtUp, s.Final, s.State, s.Slots, s.SlotKey, s.Target)));
        Assert.Null(idle[0].EventsPerSecond);
        Assert.Equal(0.0, idle[^1].EventsPerSecond);
        Assert.Null(idle[^1].EstimatedRemaining);

        // A node replays it, each commit slowed a little: the lowest position over the four shards climbs to the head.
        var node = bed.CreateDaemon("watch-" + Guid.NewGuid().ToString("N")[..6], [new ShardedBalanceProjection()], new DaemonTestHooks
        {
            BeforeCommit = _ => Task.Delay(15, CancellationToken.None),
        });
        await node.StartAsync(Ct);
        var samples = new List<CatchUpProgress>();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            await foreach (var sample in watcher.WatchRebuildAsync("sharded_balance", rebuilt.Epoch, Interval, timeout.Token))
            {
                samples.Add(sample);
            }
        }

        var last = samples[^1];
        Assert.Equal((true, true, "caught-up", head, head, TimeSpan.Zero), (last.CaughtUp, last.Final, last.State, last.Position, last.Head, last.EstimatedRemaining));
        Assert.All(samples[..^1], s => Assert.False(s.Final));
        Assert.Equal(samples.Select(s => s.Position).Order(), samples.Select(s => s.Position));
        Assert.True(samples.Select(s => s.Position).Distinct().Count() >= 3, $"positions: {string.Join(", ", samples.Select(s => s.Position))}");
        Assert.Contains(samples, s => s.EventsPerSecond > 0 && s.EstimatedRemaining > TimeSpan.Zero && s.Position < head);
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledger: false, balanceTable: "projectiongen.doc_sharded_balance"));

        // An epoch newer than the slots' is not this rebuild.
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in watcher.WatchRebuildAsync("sharded_balance", long.MaxValue, Interval, Ct))
            {
            }
        });
    }

    [Fact]
    public async Task A_rebuild_watch_ends_while_appends_continue_once_every_slot_has_passed_the_head_seen_at_the_start()
    {
        await using var database = await postgres.CreateDatabaseAsync("watch_appends");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await AppendManyAsync(bed.Store, streams: 200, eventsPerStream: 10, prefix: "a");
        var node = bed.CreateDaemon("appends-" + Guid.NewGuid().ToString("N")[..6], [new AccountBalanceProjection()]);
        await node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(90), "account_balance");
        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token);
        try
        {
            var rebuilt = await new ProjectionRebuilder(bed.Store, [new AccountBalanceProjection()]).RebuildAsync("account_balance", Ct);
            var samples = new List<CatchUpProgress>();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            await foreach (var sample in new ProjectionCatchUpWatcher(bed.Store).WatchRebuildAsync("account_balance", rebuilt.Epoch, Interval, timeout.Token))
            {
                samples.Add(sample);
            }

            var last = samples[^1];
            Assert.True(last.CaughtUp);
            Assert.True(last.Position >= last.Target && last.Target >= 2000, $"position {last.Position}, target {last.Target}");
            Assert.All(samples, s => Assert.Equal(samples[0].Target, s.Target));
        }
        finally
        {
            await stopWriters.CancelAsync();
            await writers;
        }
    }

    [Fact]
    public async Task A_projection_paused_by_a_poison_event_ends_the_watch_with_a_paused_sample()
    {
        await using var database = await postgres.CreateDatabaseAsync("watch_paused");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await bed.Store.AppendAsync("acct-p", [new Withdrawn("acct-p", 5), new Withdrawn("acct-p", 13), new Withdrawn("acct-p", 8)], ExpectedVersion.Any, cancellationToken: Ct);
        var rebuilt = await new ProjectionRebuilder(bed.Store, [new PausingProjection()]).RebuildAsync("pausing", Ct);
        var node = bed.CreateDaemon("pause-" + Guid.NewGuid().ToString("N")[..6], [new PausingProjection()], o => o.RetryDelay = TimeSpan.FromMilliseconds(10));
        await node.StartAsync(Ct);

        var samples = new List<CatchUpProgress>();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await foreach (var sample in new ProjectionCatchUpWatcher(bed.Store).WatchRebuildAsync("pausing", rebuilt.Epoch, Interval, timeout.Token))
        {
            samples.Add(sample);
        }

        // The batch holding the poison event committed nothing: paused at 0, short of the head of 3.
        var last = samples[^1];
        Assert.Equal((false, true, "paused", 0L, 3L), (last.CaughtUp, last.Final, last.State, last.Position, last.Target));
        Assert.Contains("slot 'pausing' is paused at position 0", last.Detail, StringComparison.Ordinal);
        Assert.Equal(AgentStatus.Paused, node.GetStates().Single().Status);
    }

    [Fact]
    public async Task A_shadow_rebuild_is_watched_until_readers_are_switched_to_it()
    {
        await using var database = await postgres.CreateDatabaseAsync("watch_shadow");
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        await AppendManyAsync(bed.Store, streams: 300, eventsPerStream: 10, prefix: "s");
        var node = bed.CreateDaemon("shadow-" + Guid.NewGuid().ToString("N")[..6], [new AccountBalanceProjection()], new DaemonTestHooks
        {
            BeforeCommit = _ => Task.Delay(5, CancellationToken.None),
        });
        await node.StartAsync(Ct);
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(90), "account_balance");
        var watcher = new ProjectionCatchUpWatcher(bed.Store);
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await foreach (var _ in watcher.WatchGenerationAsync("account_balance", "v1b", Interval, Ct))
            {
            }
        });

        Assert.Equal("v1b", await new ProjectionVersionOperations(bed.Store, [new AccountBalanceProjection()]).StartShadowRebuildAsync("account_balance", Ct));
        var samples = new List<CatchUpProgress>();
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(90));
            await foreach (var sample in watcher.WatchGenerationAsync("account_balance", "v1b", Interval, timeout.Token))
            {
                samples.Add(sample);
            }
        }

        var last = samples[^1];
        Assert.Equal((true, true, ProjectionVersionStates.Live, "account_balance@v1b", 1), (last.CaughtUp, last.Final, last.State, last.SlotKey, last.Slots));
        Assert.All(samples[..^1], s => Assert.Equal((ProjectionVersionStates.Building, false), (s.State, s.Final)));
        Assert.Equal(samples.Select(s => s.Position).Order(), samples.Select(s => s.Position));
        Assert.True(samples.Count >= 3, $"{samples.Count} samples");
        Assert.Equal(ProjectionVersionStates.Live, await StateAsync(bed, "account_balance", "v1b"));

        // The generation it replaced is kept: watching it ends at once, without catching up.
        var kept = await ToListAsync(watcher.WatchGenerationAsync("account_balance", "v1", Interval, Ct));
        Assert.Equal((false, true, ProjectionVersionStates.Kept), (kept.Single().CaughtUp, kept.Single().Final, kept.Single().State));
    }

    private static async Task<List<CatchUpProgress>> ToListAsync(IAsyncEnumerable<CatchUpProgress> samples)
    {
        var list = new List<CatchUpProgress>();
        await foreach (var sample in samples)
        {
            list.Add(sample);
        }

        return list;
    }
}
