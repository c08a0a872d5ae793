using ProjectionGen.EventStore;
using ProjectionGen.Generations;

namespace ProjectionGen.Documents;

/// <summary>
/// The table of an aggregate projection's documents (one JSONB document per stream, or per routed id) and its
/// statements. A conjoined store's table (docs/tenancy.md) has a tenant column and is keyed by (tenant_id, id); its
/// select, upsert and delete statements then take the tenant as their last parameter.
/// </summary>
internal sealed class DocumentTable
{
    /// <param name="quotedName">The schema-qualified, validated and quoted table name.</param>
    /// <param name="name">The unqualified table name.</param>
    /// <param name="conjoined">Whether the documents are kept per tenant (<see cref="TenancyStyle.Conjoined"/>).</param>
    public DocumentTable(string quotedName, string name = "", bool conjoined = false)
    {
        QuotedName = quotedName;
        Name = name;
        Conjoined = conjoined;

        // Checked before creating: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table exists,
        // and a least-privilege runtime role has none (docs/operations.md). The name is a validated, quoted identifier.
        var columns = conjoined
            ? "tenant_id text NOT NULL, id text NOT NULL, data jsonb NOT NULL, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id)"
            : "id text PRIMARY KEY, data jsonb NOT NULL, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now()";
        CreateSql = $"DO $create$ BEGIN IF to_regclass('{quotedName.Replace("'", "''", StringComparison.Ordinal)}') IS NULL THEN "
            + $"CREATE TABLE IF NOT EXISTS {quotedName} ({columns}); END IF; END $create$";
        if (conjoined)
        {
            SelectSql = $"SELECT id, data FROM {quotedName} WHERE tenant_id = $2 AND id = ANY($1)";
            UpsertSql = $"INSERT INTO {quotedName} (tenant_id, id, data, last_seq) SELECT $4, d.id, d.data, $3 FROM unnest($1::text[], $2::jsonb[]) AS d(id, data) "
                + "ON CONFLICT (tenant_id, id) DO UPDATE SET data = excluded.data, last_seq = excluded.last_seq, updated_at = now()";
            DeleteSql = $"DELETE FROM {quotedName} WHERE tenant_id = $2 AND id = ANY($1)";
        }
        else
        {
            SelectSql = $"SELECT id, data FROM {quotedName} WHERE id = ANY($1)";
            UpsertSql = $"INSERT INTO {quotedName} (id, data, last_seq) SELECT d.id, d.data, $3 FROM unnest($1::text[], $2::jsonb[]) AS d(id, data) "
                + "ON CONFLICT (id) DO UPDATE SET data = excluded.data, last_seq = excluded.last_seq, updated_at = now()";
            DeleteSql = $"DELETE FROM {quotedName} WHERE id = ANY($1)";
        }

        TruncateSql = $"TRUNCATE {quotedName}";
    }

    /// <summary>The document table of an aggregate projection of <paramref name="store"/>: per tenant when the store is conjoined.</summary>
    public static DocumentTable For(PostgresEventStore store, ProjectionDescriptor descriptor) =>
        For(store, descriptor, ProjectionGeneration.Of(descriptor));

    /// <summary>The document table of <paramref name="generation"/> of an aggregate projection of <paramref name="store"/>: per tenant when the store is conjoined.</summary>
    public static DocumentTable For(PostgresEventStore store, ProjectionDescriptor descriptor, ProjectionGeneration generation) =>
        For(store.Schema, descriptor, generation, store.Tenancy == TenancyStyle.Conjoined);

    /// <summary>The document table of an aggregate projection: its declared table, or <c>doc_</c> + name, in <paramref name="schema"/>.</summary>
    public static DocumentTable For(string schema, ProjectionDescriptor descriptor) =>
        For(schema, descriptor, ProjectionGeneration.Of(descriptor));

    /// <summary>The document table of <paramref name="generation"/> of an aggregate projection (docs/versions.md).</summary>
    public static DocumentTable For(string schema, ProjectionDescriptor descriptor, ProjectionGeneration generation, bool conjoined = false)
    {
        var tableName = DocumentTableNames.Of(descriptor, generation);
        var quotedSchema = EventStore.PostgresIdentifier.Parse(schema, "EventStoreOptions.Schema").Quoted;
        return new DocumentTable(quotedSchema + "." + EventStore.PostgresIdentifier.Parse(tableName, $"Document table of projection '{descriptor.Name}'").Quoted, tableName, conjoined);
    }

    public string QuotedName { get; }

    /// <summary>Whether the documents are kept per tenant: keyed by (tenant_id, id), the statements take the tenant last.</summary>
    public bool Conjoined { get; }

    /// <summary>The unqualified table name (empty when created from a quoted name only).</summary>
    public string Name { get; }

    public string CreateSql { get; }

    public string SelectSql { get; }

    /// <summary>
    /// The documents of the streams that an event read returns, given that read's statement (same parameters): the
    /// second statement of the daemon's read round trip for a single-stream aggregate (see docs/daemon.md, "Reading ahead").
    /// </summary>
    public string SelectForReadSql(string readSql) =>
        $"SELECT d.id, d.data FROM {QuotedName} d WHERE d.id = ANY (ARRAY(SELECT r.stream_id FROM ({readSql}) r))";

    public string UpsertSql { get; }

    public string DeleteSql { get; }

    public string TruncateSql { get; }
}
