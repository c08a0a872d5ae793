using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>The nodes as the cluster's node registry shows them (name, liveness, heartbeat, slots owned, capacity, version).</summary>
internal sealed class RegistryNodeSource(ProjectionStatusReader reader) : IDashboardNodeSource
{
    public string Name => "node registry";

    public async Task<IReadOnlyList<DashboardNode>> ReadAsync(CancellationToken cancellationToken)
    {
        var status = await reader.ReadClusterAsync(cancellationToken).ConfigureAwait(false);
        return status.Nodes
            .Select(n => new DashboardNode(n.Draining ? n.Name + " (draining)" : n.Name, n.Alive, n.StartedAt, n.LastHeartbeat, n.SlotsOwned, n.Capacity, n.Version))
            .ToList();
    }
}
