using ProjectionGen.EventStore;

namespace ProjectionGen.Generations;

/// <summary>
/// The names of an event projection's declared tables (<see cref="ProjectionAttribute.Tables"/>): each generation writes
/// its own physical copy, <c>{table}_{label}</c> (<c>cart_ledger_v1</c>, <c>cart_ledger_v2</c>, <c>cart_ledger_v1b</c>),
/// in the event store's schema, and readers query the view <c>{table}</c>, which points at the live generation's copy
/// (docs/versions.md, "Event projections").
/// </summary>
internal static class EventTables
{
    /// <summary>The physical copy of <paramref name="table"/> that <paramref name="generation"/> writes (unqualified).</summary>
    public static string Physical(string table, ProjectionGeneration generation) => table + "_" + generation.Label;

    /// <summary>
    /// The declared tables of <paramref name="descriptor"/> mapped to the quoted, schema-qualified physical copies of
    /// <paramref name="generation"/>; <see langword="null"/> when it declares none.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Resolve(string schema, ProjectionDescriptor descriptor, ProjectionGeneration generation)
    {
        if (descriptor.Tables.Count == 0)
        {
            return null;
        }

        var quoted = PostgresIdentifier.Parse(schema, "EventStoreOptions.Schema");
        return descriptor.Tables.ToDictionary(
            table => table,
            table => quoted.Qualify(PostgresIdentifier.Parse(Physical(table, generation), $"Table of projection '{descriptor.Name}'").Value),
            StringComparer.Ordinal);
    }

    /// <summary>The physical copies of <paramref name="descriptor"/>'s declared tables for <paramref name="generation"/> (unqualified).</summary>
    public static string[] PhysicalNames(ProjectionDescriptor descriptor, ProjectionGeneration generation) =>
        [.. descriptor.Tables.Select(table => Physical(table, generation))];
}
