using ProjectionGen.Versions;

namespace ProjectionGen.Operations;

/// <summary>The cluster as <c>status</c> shows it: the registered nodes and every slot with its owner.</summary>
/// <param name="Nodes">The registered nodes, by name.</param>
/// <param name="Slots">Every slot (a projection, or each shard of a sharded one), by projection and shard.</param>
/// <param name="AppendsBlockedBy">
/// When a session holds the append marker exclusively (appends wait for it; see docs/operations.md), that session
/// (<c>pid N, application_name</c>); otherwise <see langword="null"/>.
/// </param>
public sealed record ClusterStatus(IReadOnlyList<NodeStatus> Nodes, IReadOnlyList<ProjectionStatus> Slots, string? AppendsBlockedBy)
{
    /// <summary>Every generation of every aggregate projection: live, building, kept or retired, its lag and when it switched (docs/versions.md).</summary>
    public IReadOnlyList<Versions.ProjectionVersionStatus> Versions { get; init; } = [];
}
