using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>The nodes as the cluster's node registry shows them (name, liveness, heartbeat, slots owned, capacity, version).</summary>
internal sealed class RegistryNodeSource : IDashboardNodeSource
{
    public string Name => "node registry";

    public IReadOnlyList<DashboardNode> Nodes(ClusterStatus cluster) =>
        cluster.Nodes
            .Select(n => new DashboardNode(n.Draining ? n.Name + " (draining)" : n.Name, n.Alive, n.StartedAt, n.LastHeartbeat, n.SlotsOwned, n.Capacity, n.Version))
            .ToList();
}
