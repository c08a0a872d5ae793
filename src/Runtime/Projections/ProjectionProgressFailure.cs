namespace ProjectionGen;

/// <summary>Why a node may no longer commit progress for a projection.</summary>
public enum ProjectionProgressFailure
{
    /// <summary>The lock connection's backend no longer holds the projection's advisory lock (terminated backend, server restart or crash).</summary>
    LockLost = 0,

    /// <summary>Another acquisition bumped the fencing epoch: a newer owner exists, so this commit is stale.</summary>
    EpochSuperseded = 1,

    /// <summary>The progress row is not at the position this batch started from.</summary>
    PositionMismatch = 2,

    /// <summary>The lock connection failed its heartbeat.</summary>
    HeartbeatFailed = 3,
}
