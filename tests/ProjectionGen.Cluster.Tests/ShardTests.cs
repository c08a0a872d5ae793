using System.Diagnostics;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;
using Xunit;
using static ProjectionGen.Tests.BalanceTests;

namespace ProjectionGen.Tests;

/// <summary>
/// A 4-shard projection over two nodes runs 2/2, exactly once and in stream order; when a node
/// dies the other runs all four shards, and 2/2 returns when it is back.
/// </summary>
public sealed class ShardTests(PostgresFixture fixture)
{
    [Fact]
    public async Task A_4_shard_projection_runs_2_2_on_two_nodes_4_0_when_one_dies_and_2_2_again()
    {
        await using var scenario = await ClusterScenario.StartAsync(fixture, "shards", ["chaos_sharded_ledger"]);
        var nodes = scenario.AddNodes(["n1", "n2"]);
        scenario.Cluster.StartWriters(2, seed: 11);
        foreach (var node in nodes)
        {
            node.Start();
        }

        await scenario.ExpectCountsAsync("two nodes started", Counts(("n1", 2), ("n2", 2)), await NodeProcess.LastUpAsync(nodes), TimeSpan.FromSeconds(10));
        await scenario.Cluster.HoldsForAsync("2/2 is stable", s => s.Is(Counts(("n1", 2), ("n2", 2))), TimeSpan.FromSeconds(3), ClusterScenario.Ct);

        await nodes[0].KillAsync();
        var killed = Stopwatch.GetTimestamp();
        await scenario.ExpectCountsAsync("n1 SIGKILLed: n2 runs every shard", Counts(("n2", 4)), killed, TimeSpan.FromSeconds(3));

        nodes[0].Start();
        await scenario.ExpectCountsAsync("n1 restarted", Counts(("n1", 2), ("n2", 2)), await nodes[0].UpAsync(), TimeSpan.FromSeconds(10));
        await scenario.AssertExactlyOnceAsync();
    }
}
