namespace ProjectionGen.Tenancy;

/// <summary>Where a tenant database stands on a <see cref="TenantDatabaseNode"/>.</summary>
public enum TenantDatabaseStatus
{
    /// <summary>The node applies the tenant's schema (on first use) and starts its daemon.</summary>
    Starting,

    /// <summary>The tenant's daemon runs and its lock connection is healthy.</summary>
    Running,

    /// <summary>
    /// The tenant database cannot be used now: its start failed (retried with backoff; the status stays failed, with the
    /// last error, while a retry is under way and until one succeeds), or its daemon's lock connection is down (the daemon
    /// reconnects by itself). <see cref="TenantDatabaseState.Error"/> says why.
    /// </summary>
    Failed,

    /// <summary>The tenant database was removed from the source (or the node stopped): its daemon stopped and its connections are closed.</summary>
    Stopped,
}
