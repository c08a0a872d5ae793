namespace ProjectionGen.Daemon;

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
        ["events", "events_seq", "streams", "progress", "dead_letters", "dead_letters_id_seq", "schema_version", "nodes", "projection_history", "projection_history_id_seq"];

    /// <summary>The document table of <paramref name="descriptor"/> (unqualified, not yet validated).</summary>
    public static string Of(ProjectionDescriptor descriptor) => descriptor.TableName ?? "doc_" + descriptor.Name;

    /// <summary>
    /// Refuses an aggregate projection whose document table is reserved, and two aggregate projections that share one.
    /// </summary>
    /// <param name="schema">The store's schema, named in the messages.</param>
    /// <param name="descriptors">Every projection the daemon or rebuilder serves.</param>
    /// <exception cref="ArgumentException">A document table is reserved or shared.</exception>
    public static void Validate(string schema, IEnumerable<ProjectionDescriptor> descriptors)
    {
        ArgumentNullException.ThrowIfNull(descriptors);
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

            if (!owners.TryAdd(table, descriptor.Name))
            {
                throw new ArgumentException(
                    $"Projections '{owners[table]}' and '{descriptor.Name}' both keep their documents in '{schema}.{table}': their batches would overwrite each other's documents and a rebuild of either would delete the other's. Give one of them another TableName.",
                    nameof(descriptors));
            }
        }
    }
}
