using ProjectionGen.Tenancy;

namespace ProjectionGen.Dashboard;

/// <summary>
/// The page's tenant section: the <see cref="TenantStatusBoard"/> read once per refresh, filtered and paged on the server
/// so that the page draws at most one page of tenants however many there are (docs/dashboard.md, "Tenant databases").
/// </summary>
internal sealed class DashboardTenantView(TenantStatusBoard board)
{
    /// <summary>The page of tenants that <paramref name="query"/> asks for; a failed read is reported in the section, never thrown.</summary>
    public async Task<DashboardTenants> ReadAsync(DashboardTenantQuery query, int pageSize, CancellationToken cancellationToken)
    {
        IReadOnlyList<TenantStatusEntry> entries;
        try
        {
            entries = await board.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception failure) when (failure is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new DashboardTenants(0, 0, 0, 0, pageSize, [], Hosting.SafeErrorText.Describe(failure));
        }

        var failed = entries.Count(IsFailed);
        var matching = entries
            .Where(e => query.Filter is not { Length: > 0 } filter || e.TenantId.Contains(filter, StringComparison.OrdinalIgnoreCase))
            .Where(e => !query.FailedOnly || IsFailed(e))
            .ToList();
        var pages = Math.Max(1, (matching.Count + pageSize - 1) / pageSize);
        var page = Math.Clamp(query.Page, 0, pages - 1);
        var rows = matching.Skip(page * pageSize).Take(pageSize).Select(e => new DashboardTenant(
            e.TenantId,
            e.Node,
            e.NodeAlive,
            e.Status.ToString(),
            DashboardErrors.Mask(e.Error),
            e.FailedStarts,
            e.Since,
            e.HighWaterMark,
            [.. e.Slots.Select(s => new DashboardTenantSlot(s.Projection, s.Status.ToString(), s.Epoch, s.Position, s.LagEvents, s.LastCommitAt))])).ToList();
        return new DashboardTenants(entries.Count, failed, matching.Count, page, pageSize, rows, null);
    }

    /// <summary>Failed on its node, or its node is gone (nobody runs it now).</summary>
    private static bool IsFailed(TenantStatusEntry entry) => entry.Status == TenantDatabaseStatus.Failed || !entry.NodeAlive;
}
