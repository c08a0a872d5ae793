namespace ProjectionGen.Dashboard;

/// <summary>
/// Where the dashboard's node list comes from. The default, <see cref="LockHolderNodeSource"/>, reads the lock
/// holders in <c>pg_stat_activity</c>/<c>pg_locks</c>; a node registry replaces it by registering its own
/// implementation before <c>AddProjectionGenDashboard</c> (see <c>docs/dashboard.md</c>).
/// </summary>
internal interface IDashboardNodeSource
{
    /// <summary>A short label of the source, shown on the page (for example <c>pg_locks</c>).</summary>
    string Name { get; }

    /// <summary>The nodes, ordered by name.</summary>
    Task<IReadOnlyList<DashboardNode>> ReadAsync(CancellationToken cancellationToken);
}
