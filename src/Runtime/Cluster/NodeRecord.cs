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
    DateTimeOffset StartedAt)
{
    /// <summary>Live: its lock session exists and its heartbeat is younger than <paramref name="staleAfter"/>.</summary>
    public bool IsLive(TimeSpan staleAfter) => BackendAlive && HeartbeatAge < staleAfter;
}
