using ProjectionGen.Generated;

namespace ProjectionGen.Chaos.Node;

/// <summary>
/// The projections a node hosts. The node program knows every projection of this assembly; a node runs a subset, so
/// that the tests can start nodes with different projection sets (a rolling deploy) and the benchmarks can run only
/// theirs. A specification is a comma-separated list of projection names, <c>prefix*</c> patterns and named sets
/// (<c>set:chaos</c>, <c>set:acceptance</c>, <c>set:idle</c>).
/// </summary>
internal static class ProjectionSets
{
    /// <summary>What <c>build/chaos.sh</c> runs: two unsharded projections of each shape, two small counters, and a sharded projection of each shape (12 slots).</summary>
    public static readonly IReadOnlyList<string> Chaos =
        ["chaos_ledger", "chaos_counter", "chaos_counter_01", "chaos_counter_02", "chaos_sharded_ledger", "chaos_sharded_counter"];

    /// <summary>The cluster acceptance tests' twelve unsharded projections: the ledger, the counter and ten small counters.</summary>
    public static readonly IReadOnlyList<string> Acceptance =
        ["chaos_ledger", "chaos_counter", .. Enumerable.Range(1, 10).Select(i => $"chaos_counter_{i:00}")];

    /// <summary>Every projection of the node program, by name.</summary>
    public static IReadOnlyDictionary<string, ProjectionDescriptor> All { get; } =
        GeneratedProjections.Descriptors.ToDictionary(d => d.Name, StringComparer.Ordinal);

    /// <summary>Resolves a specification into projection names, in a stable order.</summary>
    /// <exception cref="ArgumentException">An entry names no projection of this program.</exception>
    public static IReadOnlyList<string> Resolve(string specification)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(specification);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in specification.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            IEnumerable<string> matched = entry switch
            {
                "set:chaos" => Chaos,
                "set:acceptance" => Acceptance,
                "set:idle" => All.Keys.Where(n => n.StartsWith("idle_", StringComparison.Ordinal)),
                _ when entry.EndsWith('*') => All.Keys.Where(n => n.StartsWith(entry[..^1], StringComparison.Ordinal)),
                _ => [entry],
            };
            var list = matched.ToList();
            if (list.Count == 0 || list.FirstOrDefault(n => !All.ContainsKey(n)) is { } unknown)
            {
                throw new ArgumentException($"'{entry}' names no projection of the node program.", nameof(specification));
            }

            names.UnionWith(list);
        }

        return [.. names];
    }

    /// <summary>The slot names of <paramref name="projections"/>: the name for an unsharded projection, <c>name/shard</c> for each shard.</summary>
    public static IReadOnlyList<string> Slots(IEnumerable<string> projections) =>
        [.. projections.SelectMany(p => All[p].Shards == 1 ? [p] : Enumerable.Range(0, All[p].Shards).Select(s => $"{p}/{s}"))];

    /// <summary>The instances of <paramref name="projections"/>.</summary>
    public static IReadOnlyList<IGeneratedProjection> Create(IReadOnlyCollection<string> projections) =>
        [.. GeneratedProjections.CreateAll().Where(p => projections.Contains(p.Descriptor.Name))];
}
