namespace ProjectionGen.Daemon;

/// <summary>What happened to a projection's ownership on a node.</summary>
public enum ProjectionLifecycleKind
{
    /// <summary>The node took the projection's lock and bumped its epoch.</summary>
    LockAcquired = 0,

    /// <summary>The node lost the projection's lock (see <see cref="ProjectionLifecycleEventArgs.Cause"/>).</summary>
    LockLost = 1,

    /// <summary>The projection's agent stopped.</summary>
    AgentStopped = 2,

    /// <summary>The projection's agent paused on a poison event.</summary>
    AgentPaused = 3,

    /// <summary>An event was written to the dead-letter table.</summary>
    EventDeadLettered = 4,

    /// <summary>A batch was committed.</summary>
    BatchCommitted = 5,

    /// <summary>The server refused a batch's commit (superseded epoch or lost lock): a stale owner was fenced.</summary>
    CommitRejected = 6,

    /// <summary>
    /// The node gave a slot away gracefully (its agent finished its batch, committed and released the lock) because
    /// placement moved it; <see cref="ProjectionLifecycleEventArgs.Cause"/> says why (rebalance or drain) and to whom.
    /// </summary>
    SlotHandedOff = 7,

    /// <summary>
    /// The node ended the lock session of a node whose heartbeat was stale (a hung process); the event's
    /// <see cref="ProjectionLifecycleEventArgs.Projection"/> is empty and <see cref="ProjectionLifecycleEventArgs.Cause"/>
    /// names the evicted node.
    /// </summary>
    NodeEvicted = 8,

    /// <summary>
    /// A generation of a projection started building beside the live one (a new version registered by a node, or a
    /// shadow rebuild); <see cref="ProjectionLifecycleEventArgs.Projection"/> is its slot key (docs/versions.md).
    /// </summary>
    VersionBuildStarted = 9,

    /// <summary>The node switched the projection's readers to a generation that had caught up, in one fenced transaction.</summary>
    VersionSwitched = 10,

    /// <summary>A kept generation was retired: its table dropped and its progress rows deleted.</summary>
    VersionRetired = 11,

    /// <summary>
    /// A batch with no event to blame (its read, or a commit of nothing but progress and dead letters) failed more
    /// times in a row than the projection's retries; the agent keeps retrying with backoff and is not paused.
    /// <see cref="ProjectionLifecycleEventArgs.Cause"/> carries the failure.
    /// </summary>
    BatchStalled = 12,
}

/// <summary>A lifecycle event of a projection on a node, for alerts, tests and demos.</summary>
public sealed class ProjectionLifecycleEventArgs : EventArgs
{
    /// <summary>Creates the event.</summary>
    public ProjectionLifecycleEventArgs(ProjectionLifecycleKind kind, string projection, string node, long epoch, DateTimeOffset timestamp, string? cause = null, long fromPosition = 0, long toPosition = 0, int eventCount = 0, TimeSpan duration = default)
    {
        Kind = kind;
        Projection = projection;
        Node = node;
        Epoch = epoch;
        Timestamp = timestamp;
        Cause = cause;
        FromPosition = fromPosition;
        ToPosition = toPosition;
        EventCount = eventCount;
        Duration = duration;
    }

    /// <summary>What happened.</summary>
    public ProjectionLifecycleKind Kind { get; }

    /// <summary>The projection.</summary>
    public string Projection { get; }

    /// <summary>The node.</summary>
    public string Node { get; }

    /// <summary>The epoch concerned.</summary>
    public long Epoch { get; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The cause of a loss, stop or dead letter.</summary>
    public string? Cause { get; }

    /// <summary>For a committed batch, the position it started after; for a dead letter, the event's sequence.</summary>
    public long FromPosition { get; }

    /// <summary>For a committed batch, the position it committed.</summary>
    public long ToPosition { get; }

    /// <summary>For a committed batch, how many events its handlers processed (dead letters excluded).</summary>
    public int EventCount { get; }

    /// <summary>For a committed batch, how long it took from reading the high-water mark to the end of its commit.</summary>
    public TimeSpan Duration { get; }
}
