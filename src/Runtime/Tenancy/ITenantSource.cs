namespace ProjectionGen.Tenancy;

/// <summary>
/// Where the tenant databases come from: a static list (<see cref="StaticTenantSource"/>), a master table
/// (<see cref="MasterTableTenantSource"/>), or anything else. A <see cref="TenantDatabaseNode"/> reads it every
/// <see cref="TenantDatabaseNodeOptions.TenantPollInterval"/> and starts and stops tenant daemons to match.
/// </summary>
public interface ITenantSource
{
    /// <summary>The tenant databases now, at most one per tenant id.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The tenant databases; a failure (thrown) keeps the node's current set running.</returns>
    ValueTask<IReadOnlyList<TenantDatabase>> ReadAsync(CancellationToken cancellationToken);
}
