using ProjectionGen.Chaos.Node;
using ProjectionGen.Generations;
using ProjectionGen.Locking;
using ProjectionGen.Versions;

namespace ProjectionGen.Chaos.Cluster;

/// <summary>
/// The slots of a set of projections and their advisory-lock keys, so that a <c>pg_locks</c> row (classid, objid) can be
/// named: <c>projection</c> for an unsharded projection, <c>projection/shard</c> for a shard, and for the other generation
/// of an aggregate projection (docs/versions.md) its slot key, <c>projection@v1b</c> or <c>projection@v1b/shard</c>.
/// Which slots the cluster runs depends on the generations' states (<see cref="ProjectedSlots"/>).
/// </summary>
internal sealed class SlotMap
{
    private readonly Dictionary<long, string> slotsByKey = [];
    private readonly Dictionary<string, string> projectionOfSlot = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProjectionGeneration> generationOfSlot = new(StringComparer.Ordinal);

    public SlotMap(string schema, IEnumerable<string> projections)
    {
        foreach (var projection in projections)
        {
            var descriptor = ProjectionSets.All[projection];
            var generation = ProjectionGeneration.Of(descriptor);
            ProjectionGeneration[] generations = descriptor.Kind == ProjectionKind.Aggregate ? [generation, generation.OtherLane] : [generation];
            var shards = descriptor.Shards;
            foreach (var lane in generations)
            {
                for (var shard = 0; shard < shards; shard++)
                {
                    var slot = shards == 1 ? lane.Key : $"{lane.Key}/{shard}";
                    slotsByKey.Add(AdvisoryLockKey.ForSlot(schema, lane.Key, shard, shards).Value, slot);
                    projectionOfSlot.Add(slot, projection);
                    generationOfSlot.Add(slot, lane);
                }
            }
        }
    }

    /// <summary>The slots of the projections' first generations (what runs before any shadow rebuild), ordered.</summary>
    public IReadOnlyList<string> Slots => [.. generationOfSlot.Where(g => !g.Value.LaneB).Select(g => g.Key).Order(StringComparer.Ordinal)];

    public int Count => Slots.Count;

    /// <summary>
    /// The slots the nodes run given the generations' states (projection, label) from <c>projection_versions</c>: those of
    /// generations building or live; a projection without rows runs its first generation only.
    /// </summary>
    public IReadOnlyList<string> ProjectedSlots(IReadOnlyDictionary<(string Projection, string Generation), string> states) =>
        [.. generationOfSlot.Where(g => IsProjected(g.Value, states)).Select(g => g.Key).Order(StringComparer.Ordinal)];

    /// <summary>The slot of a key as <c>pg_locks</c> shows it, or null when the key is no slot of these projections.</summary>
    public string? SlotOf(long classId, long objId) => slotsByKey.GetValueOrDefault((classId << 32) | objId);

    /// <summary>The projection a slot belongs to.</summary>
    public string ProjectionOf(string slot) => projectionOfSlot[slot];

    private static bool IsProjected(ProjectionGeneration generation, IReadOnlyDictionary<(string Projection, string Generation), string> states) =>
        states.Keys.Any(k => k.Projection == generation.Projection)
            ? states.TryGetValue((generation.Projection, generation.Label), out var state) && ProjectionVersionStates.IsProjected(state)
            : !generation.LaneB;
}
