namespace ProjectionGen.Cluster;

/// <summary>A node as placement sees it: its name, the most slots it takes, and the projections it runs.</summary>
internal sealed record PlacementNode(string Name, int Capacity, IReadOnlySet<string> Projections);

/// <summary>A slot as placement sees it: its name and its projection.</summary>
internal sealed record PlacementSlot(string Name, string Projection);

/// <summary>
/// Leaderless placement: every node computes the same plan from the same registry snapshot, so no node needs to be
/// elected and nothing is stored. Rendezvous (highest-random-weight) hashing ranks the nodes for each slot; loads are
/// bounded so that, with N nodes able to run all P slots, each gets ⌊P/N⌋ or ⌈P/N⌉, and a join or leave moves about
/// P/N slots. The plan is only a preference about who tries: the advisory lock and the epoch decide whose commits
/// count (docs/cluster.md).
/// </summary>
internal static class PlacementPlanner
{
    /// <summary>
    /// Assigns each slot to one of the nodes that run its projection, within each node's capacity; a slot no such node
    /// can take maps to <see langword="null"/>.
    /// </summary>
    /// <remarks>
    /// First the target count of each node (least-loaded filling, most constrained slots first); then each slot, in the
    /// same order, takes its highest-ranked candidate still below its target, and what is left its highest-ranked
    /// candidate below capacity.
    /// </remarks>
    public static Dictionary<string, string?> Plan(IReadOnlyList<PlacementSlot> slots, IReadOnlyList<PlacementNode> nodes)
    {
        var candidates = new Dictionary<string, List<PlacementNode>>(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            candidates[slot.Name] = nodes
                .Where(n => n.Capacity > 0 && n.Projections.Contains(slot.Projection))
                .OrderByDescending(n => Score(slot.Name, n.Name))
                .ThenBy(n => n.Name, StringComparer.Ordinal)
                .ToList();
        }

        // The most constrained slots first, then a stable order that does not depend on how the caller listed them.
        var order = slots
            .OrderBy(s => candidates[s.Name].Count)
            .ThenBy(s => Hash(s.Name))
            .ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

        // How many slots each node should hold: fill the least-loaded candidate, slot by slot. With N nodes able to run
        // all P slots this gives each ⌊P/N⌋ or ⌈P/N⌉; with different projection sets or capacities it stays as even as
        // the constraints allow. Only the counts are kept: which slots a node gets is the rendezvous ranking's choice.
        var target = nodes.ToDictionary(n => n.Name, _ => 0, StringComparer.Ordinal);
        foreach (var slot in order)
        {
            var least = candidates[slot.Name]
                .Where(n => target[n.Name] < n.Capacity)
                .OrderBy(n => target[n.Name])
                .FirstOrDefault();
            if (least is not null)
            {
                target[least.Name]++;
            }
        }

        var load = nodes.ToDictionary(n => n.Name, _ => 0, StringComparer.Ordinal);
        var plan = new Dictionary<string, string?>(StringComparer.Ordinal);
        Func<PlacementNode, int>[] bounds = [n => target[n.Name], n => n.Capacity];
        foreach (var bound in bounds)
        {
            foreach (var slot in order)
            {
                if (plan.ContainsKey(slot.Name))
                {
                    continue;
                }

                var chosen = candidates[slot.Name].FirstOrDefault(n => load[n.Name] < bound(n));
                if (chosen is not null)
                {
                    plan[slot.Name] = chosen.Name;
                    load[chosen.Name]++;
                }
            }
        }

        foreach (var slot in slots)
        {
            plan.TryAdd(slot.Name, null);
        }

        return plan;
    }

    /// <summary>The rendezvous weight of <paramref name="node"/> for <paramref name="slot"/>: stable across processes and versions.</summary>
    public static ulong Score(string slot, string node) => Mix(Hash(slot) ^ Mix(Hash(node)));

    // FNV-1a over UTF-16 code units, then a SplitMix64 finalizer. Hand-written because string.GetHashCode is randomized
    // per process and placement needs the same value on every node.
    private static ulong Hash(string value)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        return Mix(hash);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
