using ProjectionGen.Operations;

namespace ProjectionGen.Dashboard;

/// <summary>
/// The default node source until the cluster's node registry exists: the lock holders PostgreSQL sees
/// (<see cref="ProjectionLockHolderReader"/>). Capacity and version are unknown here.
/// </summary>
internal sealed class LockHolderNodeSource(ProjectionLockHolderReader reader) : IDashboardNodeSource
{
    public string Name => "pg_locks";

    public async Task<IReadOnlyList<DashboardNode>> ReadAsync(CancellationToken cancellationToken)
    {
        var holders = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return holders.Select(h => new DashboardNode(h.Node, true, h.ConnectedSince, h.LastActivity, h.LocksHeld, null, null)).ToList();
    }
}
