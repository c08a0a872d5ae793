using Microsoft.Extensions.Options;
using ProjectionGen.Daemon;
using ProjectionGen.Operations;
using ProjectionGen.Tenancy;

namespace ProjectionGen.Dashboard;

/// <summary>Reads everything the page shows from the database (and this process's node, for paused projections).</summary>
internal sealed class DashboardData(
    ProjectionStatusReader status,
    ProjectionHistory history,
    ProjectionDeadLetters deadLetters,
    IDashboardNodeSource nodes,
    LagSeries lag,
    IOptions<ProjectionGenDashboardOptions> options,
    TenantStatusBoard? board = null)
{
    // The tenant section, when the application runs databases per tenant (AddTenantDatabases registers the board).
    private readonly DashboardTenantView? tenants = board is null ? null : new DashboardTenantView(board);

    /// <summary>The page's snapshot, from one read of the cluster status (nodes and slots together) plus the history and the dead letters.</summary>
    /// <param name="lagAfter">Only lag samples after this time, or all.</param>
    /// <param name="actions">What this user may do.</param>
    /// <param name="daemon">The node running in this process, if any: only it can resume its own paused projections.</param>
    /// <param name="tenantQuery">Which tenants to show, when the application has a tenant status board.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public async Task<DashboardSnapshot> ReadAsync(DateTimeOffset? lagAfter, DashboardActions actions, ProjectionDaemon? daemon, DashboardTenantQuery tenantQuery, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var refresh = (int)settings.RefreshInterval.TotalMilliseconds;
        try
        {
            var cluster = await status.ReadClusterAsync(cancellationToken).ConfigureAwait(false);
            var statuses = cluster.Slots;
            lag.Record(statuses);
            var readAt = statuses.Count > 0 ? statuses[0].ReadAt : DateTimeOffset.UtcNow;
            var entries = await history.ReadAsync(readAt - settings.HistoryWindow, settings.MaxHistoryEntries, cancellationToken).ConfigureAwait(false);
            var letters = await deadLetters.ReadAsync(settings.MaxDeadLetters, cancellationToken).ConfigureAwait(false);
            var total = letters.Count < settings.MaxDeadLetters ? letters.Count : await deadLetters.CountAsync(cancellationToken).ConfigureAwait(false);
            var nodeList = Nodes(cluster);
            var paused = PausedHere(daemon);
            var tenantPage = tenants is null ? null : await tenants.ReadAsync(tenantQuery, settings.TenantPageSize, cancellationToken).ConfigureAwait(false);
            return new DashboardSnapshot(
                readAt,
                refresh,
                nodes.Name,
                nodeList,
                statuses.Select(s => new DashboardProjection(
                    s.Projection,
                    s.Owner,
                    s.OwnerAlive,
                    s.OwnerSince,
                    s.Epoch,
                    s.Position,
                    s.HighWaterMark,
                    s.LagEvents,
                    Math.Round(s.Lag.TotalSeconds, 3),
                    s.LastCommitAt,
                    s.State,
                    paused.Contains(s.Projection),
                    DashboardErrors.Mask(s.LastLossCause),
                    s.LastLossAt,
                    s.DeadLetterCount,
                    lag.After(s.Projection, lagAfter))).ToList(),
                entries.Select(e => new DashboardHistoryEntry(e.Id, e.At, e.Kind, e.Projection, e.Node, e.Epoch, e.Position, DashboardErrors.Mask(e.Detail))).ToList(),
                total,
                letters.Select(d => new DashboardDeadLetter(
                    d.Id, d.Projection, d.Sequence, d.StreamId, d.EventType, d.Epoch, d.Node, DashboardErrors.Mask(d.Reason)!, DashboardErrors.Mask(d.Exception), d.Attempts, d.CreatedAt, d.Payload)).ToList(),
                actions,
                null,
                tenantPage);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // During a database restart the page keeps what it shows and says why it is stale.
            return new DashboardSnapshot(DateTimeOffset.UtcNow, refresh, nodes.Name, [], [], [], 0, [], actions, Hosting.SafeErrorText.Describe(failure));
        }
    }

    /// <summary>The connected nodes, plus the owners recorded in progress rows that hold no lock connection now (down, or reconnecting).</summary>
    private List<DashboardNode> Nodes(ClusterStatus cluster)
    {
        var statuses = cluster.Slots;
        var connected = nodes.Nodes(cluster);
        var names = connected.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var missing = statuses.Where(s => s.Owner is not null && !names.Contains(s.Owner)).Select(s => s.Owner!).Distinct(StringComparer.Ordinal)
            .Select(owner => new DashboardNode(owner, false, null, null, 0, null, null));
        return [.. connected.Concat(missing).OrderBy(n => n.Name, StringComparer.Ordinal)];
    }

    private static HashSet<string> PausedHere(ProjectionDaemon? daemon)
    {
        // Only a node running in this process can resume its own paused projections.
        return daemon is null
            ? []
            : daemon.GetStates().Where(s => s.Status == AgentStatus.Paused).Select(s => s.Projection).ToHashSet(StringComparer.Ordinal);
    }
}
