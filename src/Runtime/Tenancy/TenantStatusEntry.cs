namespace ProjectionGen.Tenancy;

/// <summary>A tenant database as the node running it last published it on the <see cref="TenantStatusBoard"/>. Carries no connection string.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Node">The node that runs it (the last to publish it).</param>
/// <param name="NodeAlive">Whether that node is live in the master database's node registry now (its lock session exists and its heartbeat is fresh).</param>
/// <param name="Status">Starting, running or failed on that node.</param>
/// <param name="Error">Why it failed, as safe error text; <see langword="null"/> unless failed.</param>
/// <param name="FailedStarts">Failed starts in a row.</param>
/// <param name="Since">When its status last changed on that node.</param>
/// <param name="HighWaterMark">The tenant database's safe high-water mark as that node last read it, or <see langword="null"/> before its first reading.</param>
/// <param name="UpdatedAt">When the node last changed the entry.</param>
/// <param name="Slots">The slots of the tenant's daemon on that node, ordered by name.</param>
public sealed record TenantStatusEntry(
    string TenantId,
    string Node,
    bool NodeAlive,
    TenantDatabaseStatus Status,
    string? Error,
    int FailedStarts,
    DateTimeOffset Since,
    long? HighWaterMark,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<TenantSlotStatus> Slots);
