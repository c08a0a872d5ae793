namespace ProjectionGen.Operations;

/// <summary>One slot (a projection, or one shard of it) as the cluster sees it, read from its progress row, the lock table and the event store.</summary>
/// <param name="Projection">The projection name.</param>
/// <param name="Owner">The node that last acquired the projection (<see langword="null"/> after a rebuild, until re-acquired).</param>
/// <param name="OwnerAlive">Whether some session holds the projection's advisory lock right now.</param>
/// <param name="OwnerSince">When <paramref name="Owner"/> acquired it.</param>
/// <param name="Epoch">The fencing epoch.</param>
/// <param name="Position">The last committed position (global sequence number).</param>
/// <param name="HighWaterMark">The store's safe high-water mark when the status was read.</param>
/// <param name="LagEvents">Sequence numbers between <paramref name="Position"/> and <paramref name="HighWaterMark"/>.</param>
/// <param name="Lag">Age of the oldest event after <paramref name="Position"/> and up to the mark; zero when caught up.</param>
/// <param name="LastCommitAt">When a batch was last committed.</param>
/// <param name="State">The progress row's status: <c>idle</c>, <c>running</c>, <c>stopped</c>, <c>paused</c>, <c>resuming</c> or <c>rebuilding</c>.</param>
/// <param name="LastLossCause">Why a node last lost the projection's lock.</param>
/// <param name="LastLossAt">When a node last lost it.</param>
/// <param name="DeadLetterCount">Events of the projection in the dead-letter table.</param>
/// <param name="ReadAt">The server's time when the status was read.</param>
/// <param name="Shard">For a shard of a sharded projection (named <c>name/shard</c>), its index; else 0.</param>
/// <param name="ShardCount">How many shards the projection has; 1 when not sharded.</param>
/// <param name="ForeignHolder">
/// When the slot's lock is held by a session that is not a registered node's lock session (any role that can connect
/// can take an advisory lock), that session (<c>pid N, application_name</c>); such a holder stalls the slot.
/// </param>
public sealed record ProjectionStatus(
    string Projection,
    string? Owner,
    bool OwnerAlive,
    DateTimeOffset? OwnerSince,
    long Epoch,
    long Position,
    long HighWaterMark,
    long LagEvents,
    TimeSpan Lag,
    DateTimeOffset? LastCommitAt,
    string State,
    string? LastLossCause,
    DateTimeOffset? LastLossAt,
    long DeadLetterCount,
    DateTimeOffset ReadAt,
    int Shard = 0,
    int ShardCount = 1,
    string? ForeignHolder = null)
{
    /// <summary>
    /// Whether the nodes run this slot: <see langword="false"/> for a slot of a kept or retired generation of a versioned
    /// projection (docs/versions.md), which no node owns and whose lag is expected; health checks skip those.
    /// </summary>
    public bool Projected { get; init; } = true;

    /// <summary>Whether this slot belongs to a generation being built beside the live one (docs/versions.md): its lag is expected.</summary>
    public bool Building { get; init; }
}
