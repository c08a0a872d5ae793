using ProjectionGen.Chaos.Node;
using ProjectionGen.Locking;

namespace ProjectionGen.Chaos.Cluster;

/// <summary>
/// The slots of a set of projections and their advisory-lock keys, so that a <c>pg_locks</c> row (classid, objid) can be
/// named: <c>projection</c> for an unsharded projection, <c>projection/shard</c> for a shard.
/// </summary>
internal sealed class SlotMap
{
    private readonly Dictionary<long, string> slotsByKey = [];
    private readonly Dictionary<string, string> projectionOfSlot = new(StringComparer.Ordinal);

    public SlotMap(string schema, IEnumerable<string> projections)
    {
        foreach (var projection in projections)
        {
            var shards = ProjectionSets.All[projection].Shards;
            for (var shard = 0; shard < shards; shard++)
            {
                var slot = shards == 1 ? projection : $"{projection}/{shard}";
                slotsByKey.Add(AdvisoryLockKey.ForSlot(schema, projection, shard, shards).Value, slot);
                projectionOfSlot.Add(slot, projection);
            }
        }
    }

    /// <summary>Every slot name, ordered.</summary>
    public IReadOnlyList<string> Slots => [.. projectionOfSlot.Keys.Order(StringComparer.Ordinal)];

    public int Count => projectionOfSlot.Count;

    /// <summary>The slot of a key as <c>pg_locks</c> shows it, or null when the key is no slot of these projections.</summary>
    public string? SlotOf(long classId, long objId) => slotsByKey.GetValueOrDefault((classId << 32) | objId);

    /// <summary>The projection a slot belongs to.</summary>
    public string ProjectionOf(string slot) => projectionOfSlot[slot];
}
