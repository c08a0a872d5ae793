using ProjectionGen.Daemon;
using ProjectionGen.EventStore;

namespace ProjectionGen.Tenancy;

/// <summary>
/// Watches each tenant daemon a <see cref="TenantDatabaseNode"/> runs, for example to record its metrics, traces and
/// alerts with the tenant (what <c>AddTenantDatabases</c> registers in a host; docs/tenancy.md, "Operations per tenant").
/// Add one to <see cref="TenantDatabaseNodeOptions.Observers"/>.
/// </summary>
public interface ITenantDaemonObserver
{
    /// <summary>
    /// Called when <paramref name="tenantId"/>'s daemon is made, before it starts; the returned handle is disposed once
    /// that daemon has stopped (a removal, a failed start, the node's stop). Must not block or throw.
    /// </summary>
    /// <param name="tenantId">The tenant whose database the daemon serves.</param>
    /// <param name="daemon">The tenant's daemon.</param>
    /// <param name="store">The tenant database's store (its connections are the node's own, closed after the handle is disposed).</param>
    /// <returns>A handle that ends the observation.</returns>
    IAsyncDisposable Observe(string tenantId, ProjectionDaemon daemon, PostgresEventStore store);
}
