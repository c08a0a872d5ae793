namespace ProjectionGen.Daemon;

/// <summary>A point-in-time view of one projection on one node.</summary>
/// <param name="Projection">The projection name.</param>
/// <param name="Status">The agent's state.</param>
/// <param name="Epoch">The fencing epoch of the node's current or last ownership (0 if never owned).</param>
/// <param name="Position">The last committed position the node knows.</param>
/// <param name="LastCommitAt">When the node last committed a batch of it.</param>
/// <param name="StopReason">Why the agent last stopped or paused.</param>
public sealed record ProjectionAgentState(string Projection, AgentStatus Status, long Epoch, long Position, DateTimeOffset? LastCommitAt, string? StopReason)
{
    /// <summary>
    /// While the node runs the projection: the timestamp of the oldest event its last read found after the position,
    /// or null when that read found the projection at the safe high-water mark (and always null when not running).
    /// </summary>
    public DateTimeOffset? OldestPendingAt { get; init; }
}
