using ProjectionGen.Cluster;

namespace ProjectionGen.Tenancy;

/// <summary>
/// Places tenant databases over nodes, a pure function every node computes alike (docs/cluster.md, "Tenant databases
/// over nodes"): rendezvous hashing with bounded loads, so that loads differ by at most one and a join or a leave moves
/// about D/N databases.
/// </summary>
internal static class TenantDatabasePlanner
{
    /// <summary>
    /// Assigns each tenant to one of <paramref name="nodes"/>; a tenant no node can take (every node at
    /// <paramref name="maxPerNode"/>, or no node) maps to <see langword="null"/>.
    /// </summary>
    /// <remarks>
    /// Tenants are taken in ordinal order. First pass: each takes its highest-ranked node below ⌊D/N⌋ (and the budget);
    /// second pass: each tenant left takes its highest-ranked node below ⌈D/N⌉ (and the budget). So every node holds
    /// ⌊D/N⌋ or ⌈D/N⌉ when budgets allow, and a node over budget takes none beyond it.
    /// </remarks>
    public static Dictionary<string, string?> Plan(IReadOnlyCollection<string> tenants, IReadOnlyCollection<string> nodes, int? maxPerNode)
    {
        var plan = new Dictionary<string, string?>(StringComparer.Ordinal);
        var ordered = tenants.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var names = nodes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            foreach (var tenant in ordered)
            {
                plan[tenant] = null;
            }

            return plan;
        }

        var budget = maxPerNode ?? int.MaxValue;
        var floor = ordered.Count / names.Count;
        var ceiling = floor + (ordered.Count % names.Count == 0 ? 0 : 1);
        var load = names.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
        var ranked = ordered.ToDictionary(
            t => t,
            t => names.OrderByDescending(n => PlacementPlanner.Score(SlotName(t), n)).ThenBy(n => n, StringComparer.Ordinal).ToList(),
            StringComparer.Ordinal);
        foreach (var limit in new[] { Math.Min(floor, budget), Math.Min(ceiling, budget) })
        {
            foreach (var tenant in ordered)
            {
                if (plan.ContainsKey(tenant))
                {
                    continue;
                }

                var node = ranked[tenant].FirstOrDefault(n => load[n] < limit);
                if (node is not null)
                {
                    plan[tenant] = node;
                    load[node]++;
                }
            }
        }

        foreach (var tenant in ordered)
        {
            plan.TryAdd(tenant, null);
        }

        return plan;
    }

    /// <summary>The name a tenant database is ranked by: apart from every projection slot's name.</summary>
    private static string SlotName(string tenant) => "tenant-database:" + tenant;
}
