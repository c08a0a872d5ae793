using ProjectionGen.Cluster;
using Xunit;

namespace ProjectionGen.Tests;

public sealed class PlacementPlannerTests
{
    private static List<PlacementSlot> Slots(int count, string projectionPrefix = "p") =>
        [.. Enumerable.Range(0, count).Select(i => new PlacementSlot($"{projectionPrefix}{i}", $"{projectionPrefix}{i}"))];

    private static PlacementNode Node(string name, IEnumerable<PlacementSlot> runs, int capacity = int.MaxValue) =>
        new(name, capacity, runs.Select(s => s.Projection).ToHashSet(StringComparer.Ordinal));

    private static Dictionary<string, int> Loads(Dictionary<string, string?> plan) =>
        plan.Values.Where(n => n is not null).GroupBy(n => n!).ToDictionary(g => g.Key, g => g.Count());

    [Theory]
    [InlineData(12, 3)]
    [InlineData(10, 3)]
    [InlineData(400, 3)]
    [InlineData(7, 4)]
    [InlineData(3, 5)]
    public void Every_node_gets_the_floor_or_the_ceiling_of_its_share(int slotCount, int nodeCount)
    {
        var slots = Slots(slotCount);
        var nodes = Enumerable.Range(0, nodeCount).Select(i => Node($"node-{i}", slots)).ToList();
        var plan = PlacementPlanner.Plan(slots, nodes);

        Assert.All(plan.Values, Assert.NotNull);
        var loads = nodes.ToDictionary(n => n.Name, n => Loads(plan).GetValueOrDefault(n.Name));
        Assert.All(loads.Values, load => Assert.InRange(load, slotCount / nodeCount, (slotCount + nodeCount - 1) / nodeCount));
    }

    [Fact]
    public void Every_node_computes_the_same_plan_whatever_the_order_it_sees()
    {
        var slots = Slots(40);
        var nodes = Enumerable.Range(0, 4).Select(i => Node($"node-{i}", slots)).ToList();
        var reference = PlacementPlanner.Plan(slots, nodes);
        var shuffled = new Random(7);
        for (var trial = 0; trial < 10; trial++)
        {
            var plan = PlacementPlanner.Plan([.. slots.OrderBy(_ => shuffled.Next())], [.. nodes.OrderBy(_ => shuffled.Next())]);
            Assert.Equal(reference.OrderBy(p => p.Key), plan.OrderBy(p => p.Key));
        }
    }

    [Theory]
    [InlineData(12, 3)]
    [InlineData(400, 3)]
    [InlineData(120, 5)]
    public void A_join_or_a_leave_moves_about_one_nodes_share(int slotCount, int nodeCount)
    {
        var slots = Slots(slotCount);
        var nodes = Enumerable.Range(0, nodeCount).Select(i => Node($"node-{i}", slots)).ToList();
        var before = PlacementPlanner.Plan(slots, nodes);
        var joined = PlacementPlanner.Plan(slots, [.. nodes, Node("node-new", slots)]);
        var left = PlacementPlanner.Plan(slots, nodes.Skip(1).ToList());

        var share = (double)slotCount / (nodeCount + 1);
        var movedOnJoin = slots.Count(s => before[s.Name] != joined[s.Name]);
        var movedOnLeave = slots.Count(s => before[s.Name] != left[s.Name]);

        // Exactly a share must move; bounded-load rendezvous hashing moves at most about twice that.
        Assert.InRange(movedOnJoin, (int)Math.Floor(share), (int)Math.Ceiling(share * 2) + 1);
        Assert.InRange(movedOnLeave, slotCount / nodeCount, (int)Math.Ceiling(2.0 * slotCount / nodeCount) + 1);
    }

    [Fact]
    public void A_slot_goes_only_to_nodes_that_run_its_projection()
    {
        var slots = Slots(12);
        var onlyOnA = slots.Take(3).ToList();
        var nodes = new List<PlacementNode>
        {
            Node("a", slots),
            Node("b", slots.Skip(3)),
            Node("c", slots.Skip(3)),
        };
        var plan = PlacementPlanner.Plan(slots, nodes);

        Assert.All(onlyOnA, s => Assert.Equal("a", plan[s.Name]));
        var loads = Loads(plan);
        Assert.All(loads.Values, load => Assert.InRange(load, 3, 5));
    }

    [Fact]
    public void Capacity_is_never_exceeded_and_what_no_node_can_take_stays_unplaced()
    {
        var slots = Slots(12);
        var nodes = new List<PlacementNode> { Node("a", slots, capacity: 2), Node("b", slots, capacity: 3) };
        var plan = PlacementPlanner.Plan(slots, nodes);

        var loads = Loads(plan);
        Assert.Equal(2, loads["a"]);
        Assert.Equal(3, loads["b"]);
        Assert.Equal(7, plan.Values.Count(n => n is null));
    }

    [Fact]
    public void A_capped_node_leaves_its_excess_to_the_others()
    {
        var slots = Slots(12);
        var nodes = new List<PlacementNode> { Node("a", slots, capacity: 1), Node("b", slots), Node("c", slots) };
        var plan = PlacementPlanner.Plan(slots, nodes);

        Assert.All(plan.Values, Assert.NotNull);
        var loads = Loads(plan);
        Assert.Equal(1, loads["a"]);
        Assert.Equal(11, loads["b"] + loads["c"]);
    }

    [Fact]
    public void Scores_are_stable_across_processes()
    {
        // Pinned values: every node of every version must rank the same way.
        Assert.Equal(PlacementPlanner.Score("order_ledger/3", "node-1"), PlacementPlanner.Score("order_ledger/3", "node-1"));
        Assert.NotEqual(PlacementPlanner.Score("order_ledger/3", "node-1"), PlacementPlanner.Score("order_ledger/3", "node-2"));
        Assert.Equal(17120859245394078845UL, PlacementPlanner.Score("a", "b"));
    }
}
