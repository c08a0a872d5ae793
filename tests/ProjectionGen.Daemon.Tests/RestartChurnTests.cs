using ProjectionGen.Daemon;
using Xunit;
using static ProjectionGen.Tests.ClusterTests;

namespace ProjectionGen.Tests;

/// <summary>
/// A PostgreSQL restart with every node alive (docs/cluster.md, "After a server restart"): every lock is gone, and
/// each slot is taken again once, by the node placement gives it, instead of by whichever node reconnects first and
/// then handed over.
/// </summary>
public sealed class RestartChurnTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task After_a_server_restart_each_slot_is_acquired_once_by_its_planned_node_and_none_is_handed_off(bool crash)
    {
        await using var server = await DedicatedPostgres.StartAsync();
        await using var database = await server.CreateDatabaseAsync("churn", Ct);
        await using var bed = await DaemonTestBed.CreateAsync(database.ConnectionString);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var nodes = new[] { "a", "b", "c" }.Select(n => bed.CreateDaemon($"{n}-{suffix}", TenSlots())).ToArray();
        using var stopWriters = new CancellationTokenSource();
        var writers = bed.StartWriters(2, stopWriters.Token);
        foreach (var node in nodes)
        {
            await node.StartAsync(Ct);
        }

        await DaemonTestBed.WaitForBalanceAsync(TimeSpan.FromSeconds(30), nodes);
        var before = nodes.ToDictionary(n => n.NodeName, n => n.GetStates().Where(s => s.Status == AgentStatus.Running).Select(s => s.Projection).ToHashSet(StringComparer.Ordinal));

        var mark = bed.Lifecycle.Count;
        if (crash)
        {
            await server.CrashAsync(restart: true, Ct);
        }
        else
        {
            await server.RestartAsync(fast: true, Ct);
        }

        // Every slot runs again (acquired anew: the restart took every lock), 3/3/4, and stays so for 3 s.
        await Eventually.HoldsAsync(
            () => TenSlotNames.All(slot => bed.Lifecycle.Skip(mark).Any(e => e.Kind == ProjectionLifecycleKind.LockAcquired && e.Projection == slot)),
            TimeSpan.FromSeconds(30), "every slot acquired again after the restart");
        await DaemonTestBed.WaitForBalanceAsync(TimeSpan.FromSeconds(30), nodes);
        await Task.Delay(TimeSpan.FromSeconds(3), Ct);
        await DaemonTestBed.WaitForBalanceAsync(TimeSpan.FromSeconds(30), nodes);

        var after = bed.Lifecycle.Skip(mark).ToList();
        var acquired = after.Where(e => e.Kind == ProjectionLifecycleKind.LockAcquired).ToList();
        var handedOff = after.Where(e => e.Kind == ProjectionLifecycleKind.SlotHandedOff).Select(e => $"{e.Projection} from {e.Node}").ToList();
        Assert.True(handedOff.Count == 0, $"slots handed off after the restart: {string.Join(", ", handedOff)}");
        Assert.All(TenSlotNames, slot => Assert.Equal(1, acquired.Count(e => e.Projection == slot)));

        // The same placement as before the restart: the plan did not change, so neither did the owners.
        var now = nodes.ToDictionary(n => n.NodeName, n => n.GetStates().Where(s => s.Status == AgentStatus.Running).Select(s => s.Projection).ToHashSet(StringComparer.Ordinal));
        Assert.All(nodes, n => Assert.True(before[n.NodeName].SetEquals(now[n.NodeName]), $"{n.NodeName}: {string.Join(",", before[n.NodeName])} before, {string.Join(",", now[n.NodeName])} after"));

        await stopWriters.CancelAsync();
        await writers;
        await bed.WaitForCatchUpAsync(TimeSpan.FromSeconds(60), TenSlotNames);
        Assert.Empty(await bed.VerifyExactlyOnceAsync());
        Assert.Empty(await bed.VerifyExactlyOnceAsync(ledgerTable: "sharded_ledger", balanceTable: "projectiongen.doc_sharded_balance"));
    }
}
