using ProjectionGen.Cluster;

namespace ProjectionGen.Daemon;

/// <summary>What one heartbeat read (<see cref="HeartbeatReader"/>).</summary>
/// <param name="Registered">Whether the node's registry row was still there (and renewed).</param>
/// <param name="Draining">Whether an operator asked the node to drain; meaningful only when <paramref name="Registered"/>.</param>
/// <param name="LostKeys">The lock keys this node believed held that are no longer granted.</param>
/// <param name="Epochs">The progress rows' epochs of the slots this node owns, by slot name.</param>
/// <param name="View">The cluster: nodes, lock holders, generation states.</param>
internal sealed record HeartbeatResult(
    bool Registered,
    bool Draining,
    IReadOnlyList<long> LostKeys,
    IReadOnlyDictionary<string, long> Epochs,
    ClusterView View);
