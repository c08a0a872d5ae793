namespace ProjectionGen.Operations;

/// <summary>One node of the cluster as the node registry shows it.</summary>
/// <param name="Name">The node's name.</param>
/// <param name="Alive">Whether its lock session exists and its heartbeat is recent (younger than the eviction timeout it runs with, 8 s by default).</param>
/// <param name="Draining">An operator asked it to give all its slots away.</param>
/// <param name="LastHeartbeat">Its last heartbeat (server time).</param>
/// <param name="HeartbeatAge">How old that heartbeat was when read.</param>
/// <param name="SlotsOwned">How many slots it reported owning at its last heartbeat.</param>
/// <param name="Capacity">The most slots it takes, or <see langword="null"/> for no limit.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Projections">The projections it runs (after its pins), as <c>name:shards</c>.</param>
/// <param name="Version">Its ProjectionGen version.</param>
/// <param name="StartedAt">When it registered.</param>
/// <param name="LockBackendPid">The backend pid of its lock session (<c>application_name</c> <c>projectiongen-lock:NAME</c>).</param>
public sealed record NodeStatus(
    string Name,
    bool Alive,
    bool Draining,
    DateTimeOffset LastHeartbeat,
    TimeSpan HeartbeatAge,
    int SlotsOwned,
    int? Capacity,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> Projections,
    string? Version,
    DateTimeOffset StartedAt,
    int LockBackendPid);
