using System.Diagnostics;

namespace ProjectionGen.Chaos.Cluster;

/// <summary>
/// Who held which slot at one instant, from <c>pg_locks</c> joined with <c>pg_stat_activity</c>: the holders of each slot
/// are the nodes whose lock connection (<c>application_name</c> <c>projectiongen-lock:NODE</c>) holds its advisory lock.
/// </summary>
internal sealed class OwnershipSnapshot
{
    private static readonly IReadOnlyList<string> None = [];

    public OwnershipSnapshot(long timestamp, DateTimeOffset time, IReadOnlyDictionary<string, IReadOnlyList<string>> holders, IReadOnlyList<string> slots)
    {
        Timestamp = timestamp;
        Time = time;
        Holders = holders;
        AllSlots = slots;
    }

    /// <summary>When the sample was taken (<see cref="Stopwatch.GetTimestamp"/>).</summary>
    public long Timestamp { get; }

    public DateTimeOffset Time { get; }

    /// <summary>The holders of each held slot (one node normally; more would be a violation).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Holders { get; }

    /// <summary>Every slot of the cluster's projections.</summary>
    public IReadOnlyList<string> AllSlots { get; }

    /// <summary>The nodes holding <paramref name="slot"/>.</summary>
    public IReadOnlyList<string> HoldersOf(string slot) => Holders.GetValueOrDefault(slot) ?? None;

    /// <summary>How many slots <paramref name="node"/> holds.</summary>
    public int CountOf(string node) => Holders.Values.Count(h => h.Contains(node, StringComparer.Ordinal));

    /// <summary>Slots held by nobody.</summary>
    public IReadOnlyList<string> Unowned => [.. AllSlots.Where(s => !Holders.ContainsKey(s))];

    /// <summary>Slots held by more than one lock connection.</summary>
    public IEnumerable<KeyValuePair<string, IReadOnlyList<string>>> Doubled => Holders.Where(h => h.Value.Count > 1);

    /// <summary>Slots held per node, for the nodes that hold any.</summary>
    public IReadOnlyDictionary<string, int> Counts =>
        Holders.Values.SelectMany(h => h).GroupBy(n => n, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Whether the holders per node are exactly <paramref name="expected"/> (nodes not named hold nothing) and every slot has one holder.</summary>
    public bool Is(IReadOnlyDictionary<string, int> expected) =>
        Holders.Values.All(h => h.Count == 1)
        && Counts.All(c => expected.GetValueOrDefault(c.Key) == c.Value)
        && expected.All(e => e.Value == CountOf(e.Key));

    /// <summary>
    /// Balanced over <paramref name="nodes"/>: every slot held exactly once, only by these nodes, each holding
    /// ⌊P/N⌋ or ⌈P/N⌉ of the P slots.
    /// </summary>
    public bool IsBalanced(IReadOnlyCollection<string> nodes)
    {
        if (nodes.Count == 0 || Holders.Count != AllSlots.Count || Holders.Values.Any(h => h.Count != 1 || !nodes.Contains(h[0], StringComparer.Ordinal)))
        {
            return false;
        }

        var low = AllSlots.Count / nodes.Count;
        var high = (AllSlots.Count + nodes.Count - 1) / nodes.Count;
        return nodes.All(n => CountOf(n) >= low && CountOf(n) <= high);
    }

    /// <summary>For messages: <c>n1=4 n2=4 n3=4</c>, then unowned and doubled slots.</summary>
    public string Describe()
    {
        var counts = string.Join(" ", Counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
        var unowned = Unowned;
        var doubled = Doubled.ToList();
        return (counts.Length == 0 ? "nobody holds a slot" : counts)
            + (unowned.Count > 0 ? $"; unowned: {string.Join(",", unowned)}" : "")
            + (doubled.Count > 0 ? $"; HELD TWICE: {string.Join(",", doubled.Select(d => $"{d.Key} by {string.Join("+", d.Value)}"))}" : "");
    }
}
