using ProjectionGen.Daemon;

namespace ProjectionGen.Tenancy;

/// <summary>One tenant database on a <see cref="TenantDatabaseNode"/>. Carries no connection string.</summary>
/// <param name="TenantId">The tenant.</param>
/// <param name="Status">Starting, running, failed or stopped.</param>
/// <param name="Error">Why it failed, as safe error text (<see cref="Hosting.SafeErrorText"/>); <see langword="null"/> unless <see cref="TenantDatabaseStatus.Failed"/>.</param>
/// <param name="FailedStarts">Failed starts in a row (reset when a start succeeds).</param>
/// <param name="Since">When the status last changed.</param>
/// <param name="Slots">The slots of the tenant's daemon on this node (empty unless it runs).</param>
public sealed record TenantDatabaseState(
    string TenantId,
    TenantDatabaseStatus Status,
    string? Error,
    int FailedStarts,
    DateTimeOffset Since,
    IReadOnlyList<ProjectionAgentState> Slots)
{
    /// <summary>The tenant database's safe high-water mark as its daemon last read it, or <see langword="null"/> before the first reading (or unless it runs).</summary>
    public long? HighWaterMark { get; init; }
}
