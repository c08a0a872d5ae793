using ProjectionGen.Cluster;
using ProjectionGen.Daemon;
using ProjectionGen.Versions;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The advertised <c>name:shards</c> entries as placement reads them (docs/cluster.md, docs/versions.md).</summary>
public sealed class ClusterPlacementTests
{
    private static NodeRecord Node(string name, bool live = true, bool draining = false, params string[] projections) =>
        new(name, projections, [], null, draining, DateTimeOffset.UnixEpoch, live ? TimeSpan.Zero : TimeSpan.FromHours(1), live, 1, 0, null, DateTimeOffset.UnixEpoch, false);

    /// <summary>A node whose lock session is gone, with a heartbeat <paramref name="age"/> old, written before (or after) the server's start.</summary>
    private static NodeRecord Disconnected(string name, TimeSpan age, bool heartbeatBeforeServerStart) =>
        new(name, ["ledger:1", "orders:4"], [], null, false, DateTimeOffset.UnixEpoch, age, false, 1, 0, null, DateTimeOffset.UnixEpoch, heartbeatBeforeServerStart);

    [Fact]
    public void A_node_whose_session_ended_with_a_server_restart_keeps_its_share_until_its_heartbeat_is_stale()
    {
        var eviction = TimeSpan.FromSeconds(8);
        var self = Node("self", projections: ["ledger:1", "orders:4"]);

        // Back first after a restart: the others' sessions ended with the server's, their heartbeats are 3 s old.
        var afterRestart = ClusterPlacement.Compute(View([self, Disconnected("b", TimeSpan.FromSeconds(3), true), Disconnected("c", TimeSpan.FromSeconds(3), true)]), "self", eviction);
        Assert.Equal(3, afterRestart.LiveNodes);
        Assert.Equal([1, 2, 2], new[] { "self", "b", "c" }.Select(afterRestart.AssignedTo).Order());

        // They did not come back within the eviction timeout: gone as any stale node.
        var tooLate = ClusterPlacement.Compute(View([self, Disconnected("b", TimeSpan.FromSeconds(9), true), Disconnected("c", TimeSpan.FromSeconds(9), true)]), "self", eviction);
        Assert.Equal(5, tooLate.AssignedTo("self"));

        // A session that ended while the server ran (a killed node, a terminated connection) is gone at once.
        var killed = ClusterPlacement.Compute(View([self, Disconnected("b", TimeSpan.FromSeconds(1), false)]), "self", eviction);
        Assert.Equal(1, killed.LiveNodes);
        Assert.Equal(5, killed.AssignedTo("self"));
    }

    private static ClusterView View(IEnumerable<NodeRecord> nodes, Dictionary<string, Dictionary<string, string>>? states = null) =>
        new(nodes.ToDictionary(n => n.Name, StringComparer.Ordinal), new Dictionary<long, int>(), states ?? new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal));

    [Theory]
    [InlineData("ledger:1", "ledger", 1)]
    [InlineData("orders@v2:4", "orders@v2", 4)]
    [InlineData("a:b:3", "a:b", 3)]
    public void An_entry_is_parsed_into_its_version_key_and_shard_count(string entry, string key, int shards)
    {
        Assert.True(AdvertisedProjection.TryParse(entry, out var parsedKey, out var parsedShards));
        Assert.Equal(key, parsedKey);
        Assert.Equal(shards, parsedShards);
    }

    [Theory]
    [InlineData("ledger")]
    [InlineData(":3")]
    [InlineData("ledger:0")]
    [InlineData("ledger:-1")]
    [InlineData("ledger:x")]
    public void A_malformed_entry_is_refused(string entry) =>
        Assert.False(AdvertisedProjection.TryParse(entry, out _, out _));

    [Fact]
    public void Placement_plans_the_slots_of_each_projected_lane_over_the_live_nodes_that_are_not_draining()
    {
        var states = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal)
        {
            ["orders"] = new(StringComparer.Ordinal) { ["v1"] = ProjectionVersionStates.Kept, ["v2"] = ProjectionVersionStates.Live, ["v2b"] = ProjectionVersionStates.Building },
        };
        var view = View(
            [
                Node("self", live: false, projections: ["ledger:1", "orders@v2:2"]),
                Node("other", projections: ["ledger:1", "orders@v2:2", "broken"]),
                Node("draining", draining: true, projections: ["ledger:1"]),
                Node("gone", live: false, projections: ["ledger:1", "extra:1"]),
            ],
            states);

        var placement = ClusterPlacement.Compute(view, "self", TimeSpan.FromSeconds(8));

        Assert.Equal(3, placement.LiveNodes);
        Assert.Equal(["ledger", "orders@v2/0", "orders@v2/1", "orders@v2b/0", "orders@v2b/1"], placement.Plan.Keys.Order(StringComparer.Ordinal));
        Assert.All(placement.Plan.Values, node => Assert.Contains(node, new[] { "self", "other" }));
        Assert.Equal(5, placement.ClusterSlots);
        Assert.Equal(5, placement.AssignedTo("self") + placement.AssignedTo("other"));
    }
}
