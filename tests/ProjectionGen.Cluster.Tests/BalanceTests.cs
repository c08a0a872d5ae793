using System.Diagnostics;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;
using ProjectionGen.Operations;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>
/// Three node processes with twelve projections reach 4/4/4 within 10 s of the last start, whatever
/// the start order; a SIGKILLed node's slots run 6/6 on the others within 3 s and 4/4/4 returns within 10 s of its
/// restart; a drained node's slots move within 5 s. Every scenario ends with the exactly-once check.
/// </summary>
public sealed class BalanceTests(PostgresFixture fixture)
{
    private static readonly TimeSpan JoinBound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CrashBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(5);
    private static readonly string[] Names = ["n1", "n2", "n3"];

    [Fact]
    public async Task Nodes_started_one_by_one_reach_4_4_4_and_a_killed_node_is_replaced_within_3_s()
    {
        await using var scenario = await ClusterScenario.StartAsync(fixture, "one-by-one-and-kill", ProjectionSets.Acceptance);
        var nodes = scenario.AddNodes(Names);
        scenario.Cluster.StartWriters(2, seed: 7);

        // The worst start order for a first-come placement: the first node takes everything before the others exist.
        nodes[0].Start();
        await scenario.ExpectCountsAsync("n1 alone holds every slot", Counts(("n1", 12)), await nodes[0].UpAsync(), JoinBound);
        nodes[1].Start();
        await scenario.ExpectCountsAsync("n2 joined", Counts(("n1", 6), ("n2", 6)), await nodes[1].UpAsync(), JoinBound);
        nodes[2].Start();
        await scenario.ExpectCountsAsync("n3 joined: 4/4/4 from the last start", Counts(("n1", 4), ("n2", 4), ("n3", 4)), await nodes[2].UpAsync(), JoinBound);
        await scenario.Cluster.HoldsForAsync("4/4/4 is stable", s => s.IsBalanced(Names), TimeSpan.FromSeconds(3), ClusterScenario.Ct);

        var takeovers = new List<TimeSpan>();
        foreach (var victim in nodes)
        {
            await victim.KillAsync();
            var killed = Stopwatch.GetTimestamp();
            var others = Names.Where(n => n != victim.Name).ToArray();
            takeovers.Add(await scenario.ExpectCountsAsync($"{victim.Name} SIGKILLed: the others take its slots", Counts((others[0], 6), (others[1], 6)), killed, CrashBound));
            victim.Start();
            await scenario.ExpectCountsAsync($"{victim.Name} restarted: 4/4/4", Counts(("n1", 4), ("n2", 4), ("n3", 4)), await victim.UpAsync(), JoinBound);
        }

        scenario.Record($"SIGKILL to 6/6 over {takeovers.Count} trials: max {takeovers.Max().TotalSeconds:F2} s");
        await scenario.AssertExactlyOnceAsync();
    }

    [Fact]
    public async Task Nodes_started_at_once_in_reverse_order_reach_4_4_4_and_a_drained_node_hands_over_within_5_s()
    {
        await using var scenario = await ClusterScenario.StartAsync(fixture, "reverse-and-drain", ProjectionSets.Acceptance);
        var nodes = scenario.AddNodes(Names);
        scenario.Cluster.StartWriters(2, seed: 8);
        foreach (var node in nodes.Reverse())
        {
            node.Start();
        }

        await scenario.ExpectCountsAsync("started n3, n2, n1 at once: 4/4/4 from the last start", Counts(("n1", 4), ("n2", 4), ("n3", 4)), await NodeProcess.LastUpAsync(nodes), JoinBound);
        await scenario.Cluster.HoldsForAsync("4/4/4 is stable", s => s.IsBalanced(Names), TimeSpan.FromSeconds(3), ClusterScenario.Ct);

        var operations = new ProjectionClusterOperations(scenario.Cluster.Store);
        var drained = Stopwatch.GetTimestamp();
        await operations.DrainAsync("n2", ClusterScenario.Ct);
        await scenario.ExpectCountsAsync("n2 drained: its slots move to n1 and n3", Counts(("n1", 6), ("n3", 6)), drained, DrainBound);
        await scenario.Cluster.HoldsForAsync("a drained node takes nothing back", s => s.CountOf("n2") == 0, TimeSpan.FromSeconds(4), ClusterScenario.Ct);
        var status = await new ProjectionStatusReader(scenario.Cluster.Store).ReadClusterAsync(ClusterScenario.Ct);
        var n2 = Assert.Single(status.Nodes, n => n.Name == "n2");
        Assert.True(n2.Draining && n2.Alive, $"the status shows n2 as draining and alive: {n2}");
        Assert.Equal(0, n2.SlotsOwned);
        Assert.All(status.Slots, slot => Assert.NotEqual("n2", slot.Owner));

        var undrained = Stopwatch.GetTimestamp();
        await operations.UndrainAsync("n2", ClusterScenario.Ct);
        await scenario.ExpectCountsAsync("n2 undrained: 4/4/4", Counts(("n1", 4), ("n2", 4), ("n3", 4)), undrained, JoinBound);
        status = await new ProjectionStatusReader(scenario.Cluster.Store).ReadClusterAsync(ClusterScenario.Ct);
        Assert.False(Assert.Single(status.Nodes, n => n.Name == "n2").Draining);
        await scenario.AssertExactlyOnceAsync();
    }

    internal static Dictionary<string, int> Counts(params (string Node, int Slots)[] counts) =>
        counts.ToDictionary(c => c.Node, c => c.Slots, StringComparer.Ordinal);
}
