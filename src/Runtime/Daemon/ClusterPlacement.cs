using ProjectionGen.Cluster;
using ProjectionGen.Generations;

namespace ProjectionGen.Daemon;

/// <summary>
/// Placement computed from a <see cref="ClusterView"/>: the cluster's slots are those of each version the live nodes
/// advertise, in each lane whose generation the nodes run; the planner assigns them among the live nodes that are not
/// draining (docs/cluster.md, "Placement: leaderless rendezvous hashing with bounded loads").
/// </summary>
/// <param name="Plan">Slot name → planned node, or <see langword="null"/> when no live node may run it.</param>
/// <param name="LiveNodes">How many live nodes the plan was made from (this node counted).</param>
/// <param name="ClusterSlots">How many slots the cluster runs.</param>
internal sealed record ClusterPlacement(IReadOnlyDictionary<string, string?> Plan, int LiveNodes, int ClusterSlots)
{
    /// <summary>No plan yet.</summary>
    public static ClusterPlacement None() => new(new Dictionary<string, string?>(StringComparer.Ordinal), 0, 0);

    /// <summary>
    /// Plans the slots of <paramref name="view"/> for the node <paramref name="self"/> (always counted live). A node
    /// reconnecting after a server restart counts as live while its last heartbeat is younger than
    /// <paramref name="evictionTimeout"/>: the first node back leaves the others' slots to them instead of taking every
    /// slot and handing most of them off again (docs/cluster.md, "After a server restart").
    /// </summary>
    public static ClusterPlacement Compute(ClusterView view, string self, TimeSpan evictionTimeout)
    {
        var live = view.Nodes.Values.Where(n => n.Name == self || n.IsLive(evictionTimeout) || n.IsReconnecting(evictionTimeout)).ToList();
        var clusterSlots = new Dictionary<string, PlacementSlot>(StringComparer.Ordinal);
        var placementNodes = new List<PlacementNode>();
        foreach (var node in live)
        {
            var runs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in node.Projections)
            {
                if (!AdvertisedProjection.TryParse(entry, out var projection, out var shards))
                {
                    continue;
                }

                // The entry's key names a projection's version; its slots are those of each lane the version's state says
                // the nodes run (docs/versions.md).
                runs.Add(projection);
                foreach (var laneB in new[] { false, true })
                {
                    if (ProjectionGeneration.FromAdvertised(projection, laneB) is not { } generation || !view.IsProjected(generation))
                    {
                        continue;
                    }

                    for (var shard = 0; shard < shards; shard++)
                    {
                        var name = ProjectionSetup.SlotName(generation.Key, shard, shards);
                        clusterSlots.TryAdd(name, new PlacementSlot(name, projection));
                    }
                }
            }

            if (!node.Draining)
            {
                placementNodes.Add(new PlacementNode(node.Name, node.Capacity ?? int.MaxValue, runs));
            }
        }

        return new ClusterPlacement(PlacementPlanner.Plan([.. clusterSlots.Values], placementNodes), live.Count, clusterSlots.Count);
    }

    /// <summary>How many slots the plan gives <paramref name="node"/>.</summary>
    public int AssignedTo(string node) => Plan.Values.Count(n => n == node);
}
