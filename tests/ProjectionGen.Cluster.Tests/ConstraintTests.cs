using System.Diagnostics;
using ProjectionGen.Chaos.Node;
using ProjectionGen.Chaos.Runner;
using Xunit;
using static ProjectionGen.Tests.BalanceTests;

namespace ProjectionGen.Tests;

/// <summary>
/// Capacity and pinning are honoured, and a node lacking a projection never gets it, in every
/// sample of <c>pg_locks</c> for the whole scenario, also while a node is down.
/// </summary>
public sealed class ConstraintTests(PostgresFixture fixture)
{
    private const string Missing = "chaos_counter_10";
    private const string PinnedToTag = "chaos_ledger";
    private const string PinnedToNode = "chaos_counter";

    [Fact]
    public async Task Capacity_pins_and_missing_projections_are_honoured_while_nodes_come_and_go()
    {
        await using var scenario = await ClusterScenario.StartAsync(fixture, "constraints", ProjectionSets.Acceptance);
        var pins = new Dictionary<string, string[]> { [PinnedToTag] = ["tag:gpu"], [PinnedToNode] = ["n3"] };

        // n1 takes at most 2 slots; n2 is the only node tagged gpu; n3 runs an older build without chaos_counter_10.
        scenario.Cluster.AddNode("n1", s => s with { Capacity = 2, Pins = pins });
        scenario.Cluster.AddNode("n2", s => s with { Tags = ["gpu"], Pins = pins });
        scenario.Cluster.AddNode("n3", s => s with { Projections = [.. ProjectionSets.Acceptance.Where(p => p != Missing)], Pins = pins });
        var sampler = scenario.Cluster.Sampler;
        sampler.Watch("capacity", s => s.CountOf("n1") > 2 ? $"n1 (capacity 2) holds {s.CountOf("n1")} slots" : null);
        sampler.Watch("tag pin", s => s.HoldersOf(PinnedToTag).FirstOrDefault(n => n != "n2") is { } n ? $"{PinnedToTag} (pinned to tag:gpu) held by {n}" : null);
        sampler.Watch("node pin", s => s.HoldersOf(PinnedToNode).FirstOrDefault(n => n != "n3") is { } n ? $"{PinnedToNode} (pinned to n3) held by {n}" : null);
        sampler.Watch("missing projection", s => s.HoldersOf(Missing).Contains("n3") ? $"n3, which lacks {Missing}, holds it" : null);

        scenario.Cluster.StartWriters(2, seed: 10);
        foreach (var node in scenario.Cluster.Nodes)
        {
            node.Start();
        }

        var planned = Counts(("n1", 2), ("n2", 5), ("n3", 5));
        bool Planned(Chaos.Cluster.OwnershipSnapshot s) =>
            s.Is(planned) && s.HoldersOf(PinnedToTag).SequenceEqual(["n2"]) && s.HoldersOf(PinnedToNode).SequenceEqual(["n3"]) && !s.HoldersOf(Missing).Contains("n3");
        await scenario.ExpectAsync("capacity 2 on n1, pins, n3 without chaos_counter_10: 2/5/5", Planned, await NodeProcess.LastUpAsync(scenario.Cluster.Nodes), TimeSpan.FromSeconds(10));

        // The only gpu node dies: its pinned projection must wait for it rather than run anywhere else; n1 stays at its
        // capacity and takes chaos_counter_10, which n3 cannot run.
        var n2 = scenario.Cluster["n2"];
        await n2.KillAsync();
        var killed = Stopwatch.GetTimestamp();
        bool WithoutN2(Chaos.Cluster.OwnershipSnapshot s) =>
            s.CountOf("n1") == 2 && s.CountOf("n3") == 9 && s.HoldersOf(Missing).SequenceEqual(["n1"]) && s.Unowned.SequenceEqual([PinnedToTag]) && !s.Doubled.Any();
        await scenario.ExpectAsync("n2 SIGKILLed: n1 2 (with chaos_counter_10), n3 9, chaos_ledger waits for a gpu node", WithoutN2, killed, TimeSpan.FromSeconds(10));
        await scenario.Cluster.HoldsForAsync("placement fallback never breaks a pin or the capacity", WithoutN2, TimeSpan.FromSeconds(6), ClusterScenario.Ct);

        n2.Start();
        await scenario.ExpectAsync("n2 restarted: 2/5/5 again", Planned, await n2.UpAsync(), TimeSpan.FromSeconds(10));
        await scenario.AssertExactlyOnceAsync();
    }
}
