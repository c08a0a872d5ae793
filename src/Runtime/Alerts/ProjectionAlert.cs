namespace ProjectionGen.Alerts;

/// <summary>Something an operator may want to be paged about, with its cause.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Projection">The projection.</param>
/// <param name="Node">The node it happened on.</param>
/// <param name="Epoch">The fencing epoch of the ownership concerned.</param>
/// <param name="Cause">Why: the lock-loss cause, the stop or pause reason, or the dead-letter reason.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="EventSequence">For a dead letter, the event's global sequence number; otherwise <see langword="null"/>.</param>
/// <param name="DuringShutdown">Whether the node was shutting down (an agent stop then is expected, not a fault).</param>
public sealed record ProjectionAlert(
    ProjectionAlertKind Kind,
    string Projection,
    string Node,
    long Epoch,
    string? Cause,
    DateTimeOffset Timestamp,
    long? EventSequence,
    bool DuringShutdown)
{
    /// <summary>
    /// The tenant whose database the daemon serves (a daemon a <c>TenantDatabaseNode</c> runs; docs/tenancy.md,
    /// "Operations per tenant"); <see langword="null"/> for the host's own daemon.
    /// </summary>
    public string? TenantId { get; init; }
}
