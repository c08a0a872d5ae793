namespace ProjectionGen.Dashboard;

/// <summary>
/// The seam for the "drain a node" action. <c>AddProjectionGenDashboard</c> registers <see cref="ClusterNodeDrain"/>,
/// which drains through the cluster's operations API (<c>ProjectionClusterOperations.DrainAsync</c>). The interface is
/// internal, so applications cannot replace it (docs/dashboard.md, "Where the nodes and the drain come from").
/// </summary>
internal interface IDashboardNodeDrain
{
    /// <summary>Asks <paramref name="node"/> to hand its projections over and stop taking new ones.</summary>
    /// <returns>A message for the operator.</returns>
    Task<string> DrainAsync(string node, CancellationToken cancellationToken);
}
