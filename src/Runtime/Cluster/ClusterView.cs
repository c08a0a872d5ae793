using ProjectionGen.Generations;

namespace ProjectionGen.Cluster;

/// <summary>
/// The cluster as the last heartbeat saw it: the registered nodes, which node's session holds each slot lock, and the
/// state of each projection's generations (docs/cluster.md, docs/versions.md).
/// </summary>
internal sealed class ClusterView
{
    public ClusterView(
        IReadOnlyDictionary<string, NodeRecord> nodes,
        IReadOnlyDictionary<long, int> holders,
        IReadOnlyDictionary<string, Dictionary<string, string>> generationStates)
    {
        Nodes = nodes;
        Holders = holders;
        GenerationStates = generationStates;
    }

    /// <summary>A view before the first heartbeat: no nodes, no holders, no generation states.</summary>
    public static ClusterView Empty() => new(
        new Dictionary<string, NodeRecord>(StringComparer.Ordinal),
        new Dictionary<long, int>(),
        new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal));

    /// <summary>The registry's rows by node name.</summary>
    public IReadOnlyDictionary<string, NodeRecord> Nodes { get; }

    /// <summary>The backend pid holding each held slot lock, by lock key.</summary>
    public IReadOnlyDictionary<long, int> Holders { get; }

    /// <summary>Projection → generation label → state, from <c>projection_versions</c>.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> GenerationStates { get; }

    /// <summary>
    /// Whether the nodes run <paramref name="generation"/>: its state in <c>projection_versions</c> is building or live. A
    /// projection without rows there (an event projection) runs its original generation only (docs/versions.md).
    /// </summary>
    public bool IsProjected(ProjectionGeneration generation) =>
        GenerationStates.TryGetValue(generation.Projection, out var states)
            ? states.TryGetValue(generation.Label, out var state) && Generations.GenerationStates.IsProjected(state)
            : !generation.LaneB;

    /// <summary>The state of <paramref name="generation"/>, or <c>unknown</c>.</summary>
    public string StateOf(ProjectionGeneration generation) =>
        GenerationStates.TryGetValue(generation.Projection, out var states) && states.TryGetValue(generation.Label, out var state) ? state : "unknown";
}
