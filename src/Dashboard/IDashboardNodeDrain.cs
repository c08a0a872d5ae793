namespace ProjectionGen.Dashboard;

/// <summary>
/// The seam for the "drain a node" action: not implemented by this package (the drain belongs to the cluster's
/// operations API). While no implementation is registered the page shows no drain button and the endpoint answers
/// 501. Register one before <c>AddProjectionGenDashboard</c> to enable it (see <c>docs/dashboard.md</c>).
/// </summary>
internal interface IDashboardNodeDrain
{
    /// <summary>Asks <paramref name="node"/> to hand its projections over and stop taking new ones.</summary>
    /// <returns>A message for the operator.</returns>
    Task<string> DrainAsync(string node, CancellationToken cancellationToken);
}
