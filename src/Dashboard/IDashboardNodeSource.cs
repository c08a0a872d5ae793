using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>
/// Where the dashboard's node list comes from: <see cref="RegistryNodeSource"/>, registered by
/// <c>AddProjectionGenDashboard</c>, reads the cluster's node registry. The interface is internal, so applications
/// cannot replace it (docs/dashboard.md, "Where the nodes and the drain come from").
/// </summary>
internal interface IDashboardNodeSource
{
    /// <summary>A short label of the source, shown on the page (for example <c>pg_locks</c>).</summary>
    string Name { get; }

    /// <summary>The nodes of <paramref name="cluster"/> (read once per snapshot with its slots), ordered by name.</summary>
    IReadOnlyList<DashboardNode> Nodes(ClusterStatus cluster);
}
