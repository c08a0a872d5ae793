namespace ProjectionGen.Cluster;

/// <summary>One row of the node registry, as the heartbeat reads it.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Projections">The projections the node runs, as <c>name:shards</c>, after its pins.</param>
/// <param name="Tags">The node's tags.</param>
/// <param name="Capacity">The most slots the node takes, or <see langword="null"/> for no limit.</param>
/// <param name="Draining">An operator asked the node to give all its slots away.</param>
/// <param name="HeartbeatAt">The node's last heartbeat (server time).</param>
/// <param name="HeartbeatAge">How old that heartbeat was when read (server clock).</param>
/// <param name="BackendAlive">Whether the node's lock session still exists.</param>
/// <param name="LockPid">The backend pid of the node's lock session.</param>
/// <param name="SlotsOwned">How many slots the node reported owning at its last heartbeat.</param>
/// <param name="Version">The node's ProjectionGen version.</param>
/// <param name="StartedAt">When the node registered.</param>
/// <param name="HeartbeatBeforeServerStart">The node's last heartbeat is older than the server's start: its lock session ended with a restart of the server, not with the node.</param>
internal sealed record NodeRecord(
    string Name,
    IReadOnlyList<string> Projections,
    IReadOnlyList<string> Tags,
    int? Capacity,
    bool Draining,
    DateTimeOffset HeartbeatAt,
    TimeSpan HeartbeatAge,
    bool BackendAlive,
    int LockPid,
    int SlotsOwned,
    string? Version,
    DateTimeOffset StartedAt,
    bool HeartbeatBeforeServerStart)
{
    /// <summary>Live: its lock session exists and its heartbeat is younger than <paramref name="staleAfter"/>.</summary>
    public bool IsLive(TimeSpan staleAfter) => BackendAlive && HeartbeatAge < staleAfter;

    /// <summary>
    /// Reconnecting: its lock session ended with a restart of the server (its last heartbeat predates the server's start),
    /// and that heartbeat is younger than <paramref name="staleAfter"/>, so the node is expected back in a moment
    /// (docs/cluster.md, "After a server restart").
    /// </summary>
    public bool IsReconnecting(TimeSpan staleAfter) => !BackendAlive && HeartbeatBeforeServerStart && HeartbeatAge < staleAfter;
}
