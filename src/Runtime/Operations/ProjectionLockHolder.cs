namespace ProjectionGen.Operations;

/// <summary>A daemon node's lock connection as PostgreSQL sees it.</summary>
/// <param name="Node">The node's name (from the connection's <c>application_name</c>).</param>
/// <param name="ConnectedSince">When the lock connection's session started.</param>
/// <param name="LastActivity">The session's last state change: its heartbeat runs about every second.</param>
/// <param name="LocksHeld">Advisory locks (projections) the session holds.</param>
public sealed record ProjectionLockHolder(string Node, DateTimeOffset? ConnectedSince, DateTimeOffset? LastActivity, int LocksHeld);
