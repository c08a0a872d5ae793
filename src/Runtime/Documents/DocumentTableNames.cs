using ProjectionGen.Generations;

namespace ProjectionGen.Documents;

/// <summary>
/// The names of aggregate projections' document tables: the attribute's <c>TableName</c>, else <c>doc_</c> + the
/// projection name, always in the store's schema. A rebuild deletes every row of a projection's document table and
/// every batch upserts into it, so a document table must be neither one of ProjectionGen's own relations nor another
/// projection's (docs/generator.md, "Document tables").
/// </summary>
/// <remarks>
/// The generator cannot reference the runtime: it mirrors <see cref="Reserved"/> in
/// <c>src/Generators/Analysis/DocumentTableNames.cs</c> to refuse these names at compile time (PGEN015, PGEN016), and a
/// test keeps the two lists equal. A test also checks that the list covers every table and sequence the schema creates.
/// </remarks>
internal static class DocumentTableNames
{
    /// <summary>ProjectionGen's own tables and sequences in the store's schema, which no document table may take.</summary>
    public static IReadOnlyList<string> Reserved { get; } =
        ["events", "events_seq", "streams", "progress", "dead_letters", "dead_letters_id_seq", "schema_version", "nodes", "projection_history", "projection_history_id_seq", "projection_versions", "projection_shapes", "tenant_streams", "tenant_databases", "tenant_database_status"];

    /// <summary>The document table of <paramref name="descriptor"/>'s original generation (unqualified, not yet validated).</summary>
    public static string Of(ProjectionDescriptor descriptor) => descriptor.TableName ?? "doc_" + descriptor.Name;

    /// <summary>The document table of <paramref name="generation"/>: the original's, suffixed <c>_v2</c>, <c>_v1b</c>... for the others.</summary>
    public static string Of(ProjectionDescriptor descriptor, ProjectionGeneration generation) => generation.TableName(Of(descriptor));

    /// <summary>
    /// Every relation an aggregate projection of <paramref name="descriptor"/>'s version may own in the store's schema:
    /// its view (named after the projection) and the document tables of both lanes of every version up to its own
    /// (older versions' tables are kept until retired; docs/versions.md).
    /// </summary>
    public static IEnumerable<string> Owned(ProjectionDescriptor descriptor)
    {
        if (descriptor.Kind != ProjectionKind.Aggregate)
        {
            // An event projection that declares its tables owns a view per table and the copies of every generation.
            foreach (var table in descriptor.Tables)
            {
                yield return table;
                for (var version = 1; version <= descriptor.Version; version++)
                {
                    yield return EventTables.Physical(table, new ProjectionGeneration(descriptor.Name, version, false));
                    yield return EventTables.Physical(table, new ProjectionGeneration(descriptor.Name, version, true));
                }
            }

            yield break;
        }

        yield return descriptor.Name;
        for (var version = 1; version <= descriptor.Version; version++)
        {
            yield return Of(descriptor, new ProjectionGeneration(descriptor.Name, version, false));
            yield return Of(descriptor, new ProjectionGeneration(descriptor.Name, version, true));
        }
    }

    /// <summary>
    /// Refuses an aggregate projection whose document table is reserved, and two aggregate projections that share one;
    /// also a view or generation table (docs/versions.md) that is reserved or another projection's.
    /// </summary>
    /// <param name="schema">The store's schema, named in the messages.</param>
    /// <param name="descriptors">Every projection the daemon or rebuilder serves.</param>
    /// <exception cref="ArgumentException">A document table is reserved or shared.</exception>
    public static void Validate(string schema, IEnumerable<ProjectionDescriptor> descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
        descriptors = [.. descriptors];
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var descriptor in descriptors.Where(d => d.Kind == ProjectionKind.Aggregate))
        {
            var table = Of(descriptor);
            if (Reserved.Contains(table, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"The document table '{schema}.{table}' of projection '{descriptor.Name}' is reserved: it is ProjectionGen's own, and a rebuild deletes every row of a projection's document table. Choose another TableName.",
                    nameof(descriptors));
            }

            if (owners.TryGetValue(table, out var owner) && owner != descriptor.Name)
            {
                throw new ArgumentException(
                    $"Projections '{owners[table]}' and '{descriptor.Name}' both keep their documents in '{schema}.{table}': their batches would overwrite each other's documents and a rebuild of either would delete the other's. Give one of them another TableName.",
                    nameof(descriptors));
            }

            owners[table] = descriptor.Name;
        }

        // The views and the other generations' tables (docs/versions.md): a projection's view is named after it, so it
        // must not be a reserved name or another projection's table, and no two projections may share any of them.
        // Two versions of one projection (a node may run both) share their names by design.
        var relations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var descriptor in descriptors.Where(d => d.Kind == ProjectionKind.Aggregate || d.Tables.Count > 0))
        {
            foreach (var relation in Owned(descriptor))
            {
                if (Reserved.Contains(relation, StringComparer.Ordinal))
                {
                    throw new ArgumentException(
                        $"Projection '{descriptor.Name}' would own '{schema}.{relation}', which is reserved: it is ProjectionGen's own. An aggregate projection owns a view named after it and a document table per generation, an event projection a view per declared table and a copy of it per generation (docs/versions.md); rename the projection or choose another TableName or Tables.",
                        nameof(descriptors));
                }

                if (relations.TryGetValue(relation, out var other) && other != descriptor.Name)
                {
                    throw new ArgumentException(
                        $"Projections '{other}' and '{descriptor.Name}' would both own '{schema}.{relation}' (a projection's view is named after it, its generations' document tables and an event projection's copies of its declared tables get a version suffix; docs/versions.md). Rename one of them or give it another TableName or Tables.",
                        nameof(descriptors));
                }

                relations[relation] = descriptor.Name;
            }
        }
    }
}
