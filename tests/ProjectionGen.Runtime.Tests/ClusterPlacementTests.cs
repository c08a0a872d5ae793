using ProjectionGen.Cluster;
using ProjectionGen.Daemon;
using ProjectionGen.Versions;
using Xunit;

namespace ProjectionGen.Tests;

/// <summary>The advertised <c>name:shards</c> entries as placement reads them (docs/cluster.md, docs/versions.md).</summary>
public sealed class ClusterPlacementTests
{
    private static NodeRecord Node(string name, bool live = true, bool draining = false, params string[] projections) =>
        new(name, projections, [], null, draining, DateTimeOffset.UnixEpoch, live ? TimeSpan.Zero : TimeSpan.FromHours(1), live, 1, 0, null, DateTimeOffset.UnixEpoch);

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
