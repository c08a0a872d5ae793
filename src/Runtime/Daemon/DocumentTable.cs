namespace ProjectionGen.Daemon;

/// <summary>The table of an aggregate projection's documents (one JSONB document per stream) and its statements.</summary>
internal sealed class DocumentTable
{
    /// <param name="quotedName">The schema-qualified, validated and quoted table name.</param>
    public DocumentTable(string quotedName)
    {
        QuotedName = quotedName;
        CreateSql = $"CREATE TABLE IF NOT EXISTS {quotedName} (id text PRIMARY KEY, data jsonb NOT NULL, last_seq bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())";
        SelectSql = $"SELECT id, data FROM {quotedName} WHERE id = ANY($1)";
        UpsertSql = $"INSERT INTO {quotedName} (id, data, last_seq) SELECT d.id, d.data, $3 FROM unnest($1::text[], $2::jsonb[]) AS d(id, data) "
            + "ON CONFLICT (id) DO UPDATE SET data = excluded.data, last_seq = excluded.last_seq, updated_at = now()";
        DeleteSql = $"DELETE FROM {quotedName} WHERE id = ANY($1)";
        TruncateSql = $"TRUNCATE {quotedName}";
    }

    public string QuotedName { get; }

    public string CreateSql { get; }

    public string SelectSql { get; }

    public string UpsertSql { get; }

    public string DeleteSql { get; }

    public string TruncateSql { get; }
}
