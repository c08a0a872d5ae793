namespace ProjectionGen.Dashboard;

/// <summary>
/// Where the dashboard's node list comes from. The default, <see cref="RegistryNodeSource"/>, reads the cluster's node
/// registry; an application may replace it by registering its own
/// implementation before <c>AddProjectionGenDashboard</c> (see <c>docs/dashboard.md</c>).
/// </summary>
internal interface IDashboardNodeSource
{
    /// <summary>A short label of the source, shown on the page (for example <c>pg_locks</c>).</summary>
    string Name { get; }

    /// <summary>The nodes, ordered by name.</summary>
    Task<IReadOnlyList<DashboardNode>> ReadAsync(CancellationToken cancellationToken);
}
