using ProjectionGen.EventStore;

namespace Orders.Commands;

/// <summary>A node's tenant settings (docs/tenancy.md, "The sample's tenants").</summary>
/// <param name="Conjoined"><c>--tenancy conjoined</c>: the node's own database keeps many tenants.</param>
/// <param name="TenantDatabases"><c>--tenant-databases</c>: the node also runs tenant databases of the master table, balanced over the nodes.</param>
/// <param name="MaxTenantDatabases"><c>--max-tenant-databases</c>: the most tenant databases one node runs (the same on every node).</param>
/// <param name="SettleDelay"><c>--tenant-settle-delay</c>: how long the node waits after its start before it runs any tenant database.</param>
internal sealed record NodeTenancy(bool Conjoined, bool TenantDatabases, int? MaxTenantDatabases, TimeSpan? SettleDelay)
{
    /// <summary>The store's tenancy of the node's own database.</summary>
    public TenancyStyle Style => Conjoined ? TenancyStyle.Conjoined : TenancyStyle.None;
}
