using System.Globalization;

namespace ProjectionGen.Hosting;

/// <summary>
/// How a database's schema compares with what this library and a set of projections expect
/// (<see cref="ProjectionSchemaInstaller.CheckAsync"/>): the store's schema version, the migrations due, and the document
/// tables and shard read indexes missing. Read without any DDL (docs/operations.md, "Upgrading the schema").
/// </summary>
public sealed record ProjectionSchemaState
{
    /// <summary>The event store's schema (<see cref="EventStore.EventStoreOptions.Schema"/>).</summary>
    public required string Schema { get; init; }

    /// <summary>The schema's version: the highest version in <c>schema_version</c>, 0 when the schema has none.</summary>
    public required int CurrentVersion { get; init; }

    /// <summary>The version this library brings a schema to (its latest migration).</summary>
    public required int ExpectedVersion { get; init; }

    /// <summary>
    /// The oldest library a schema at <see cref="CurrentVersion"/> stays compatible with, as the newest schema version
    /// that library knows (<c>schema_version.compatible_from</c>); null when the schema does not record it.
    /// </summary>
    public int? CompatibleFrom { get; init; }

    /// <summary>The migrations the next apply runs, in order; empty when the schema is current or ahead.</summary>
    public required IReadOnlyList<ProjectionSchemaMigration> DueMigrations { get; init; }

    /// <summary>Whether the schema is newer than this library (<see cref="CurrentVersion"/> above <see cref="ExpectedVersion"/>).</summary>
    public bool IsAhead => CurrentVersion > ExpectedVersion;

    /// <summary>
    /// Whether the schema is newer than this library but records that this library keeps working against it (an
    /// expanding migration of a newer library); this library refuses a schema that is ahead and not compatible.
    /// </summary>
    public bool IsAheadButCompatible => IsAhead && CompatibleFrom is { } oldest && ExpectedVersion >= oldest;

    /// <summary>The aggregate projections' document tables that do not exist, schema-qualified (for example <c>projectiongen.doc_order_summary</c>).</summary>
    public required IReadOnlyList<string> MissingDocumentTables { get; init; }

    /// <summary>The sharded projections' read indexes that do not exist, schema-qualified (for example <c>projectiongen.events_shard_4</c>).</summary>
    public required IReadOnlyList<string> MissingShardIndexes { get; init; }

    /// <summary>
    /// Whether the database is exactly what this library and the projections expect: no migration due, nothing
    /// missing, and the schema not newer (not even a compatible newer one).
    /// </summary>
    public bool IsCurrent => DueMigrations.Count == 0 && !IsAhead && MissingDocumentTables.Count == 0 && MissingShardIndexes.Count == 0;

    /// <summary>What differs, one human-readable line each; empty when <see cref="IsCurrent"/>.</summary>
    public IReadOnlyList<string> Differences
    {
        get
        {
            var lines = new List<string>();
            if (IsAhead)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"schema {Schema} is at version {CurrentVersion}, newer than this library ({ExpectedVersion})")
                    + (IsAheadButCompatible
                        ? string.Create(CultureInfo.InvariantCulture, $", and compatible with it (with libraries that know version {CompatibleFrom} or later)")
                        : CompatibleFrom is { } from
                            ? string.Create(CultureInfo.InvariantCulture, $", and compatible only with libraries that know version {from} or later: this library refuses it")
                            : ", and records no compatibility: this library refuses it"));
            }

            lines.AddRange(DueMigrations.Select(m => string.Create(CultureInfo.InvariantCulture, $"migration {m.Version} is due: {m.Description}")));
            lines.AddRange(MissingDocumentTables.Select(t => $"document table {t} is missing"));
            lines.AddRange(MissingShardIndexes.Select(i => $"shard read index {i} is missing"));
            return lines;
        }
    }
}
