using System.Globalization;
using Npgsql;

namespace ProjectionGen.EventStore;

/// <summary>
/// The store's schema as an ordered list of versioned steps, applied by <see cref="ApplyAsync(NpgsqlConnection, SchemaContext, CancellationToken)"/> in one transaction
/// under a transaction-level advisory lock and recorded in <c>{schema}.schema_version</c>. New steps (the daemon's, for
/// example) are appended to <see cref="Migrations"/> with the next version; a released step is never edited. Every step
/// that touches a table of a layer above the event store (progress, dead letters, nodes, history, versions) is an
/// embedded script (<see cref="MigrationScript"/>), so the store applies its schema without using those layers; a
/// function is changed by a new step with its whole new text.
/// </summary>
internal static class EventStoreSchema
{
    /// <summary>Every step, in order.</summary>
    public static IReadOnlyList<SchemaMigration> Migrations { get; } =
    [
        new(1, "streams, events, progress, dead letters", s => MigrationScript.Load("0001_tables.sql", s)),
        new(2, "append_events function", CreateAppendFunction),
        new(3, "commit_progress function (the daemon's fenced commit and lock guard)", s => MigrationScript.Load("0003_commit_progress.sql", s)),
        new(4, "cluster: slot columns on progress, node registry, stream hash for shards", s => MigrationScript.Load("0004_cluster.sql", s)),
        new(5, "events are written only under the append marker: append_events marks its transaction, a trigger refuses other writes", RequireAppendMarker),

        // Type-filtered reads walk this index per type (see PostgresEventStore): bounded work however rare the type.
        // On a large existing store, build it beforehand with CREATE INDEX CONCURRENTLY (docs/operations.md).
        new(6, "index on events (type, seq) for type-filtered reads", s => [$"CREATE INDEX IF NOT EXISTS events_type_seq ON {s.Table("events")} (type, seq)"]),
        new(7, "projection_history table (acquisitions, moves, losses, rebuilds; the dashboard's timeline)", s => MigrationScript.Load("0007_projection_history.sql", s)),
        new(8, "projection_versions table, projection views and the fenced version switch (docs/versions.md)", s => MigrationScript.Load("0008_projection_versions.sql", s)),
        new(9, "versions of event projections: declared tables, prepare_event_tables, their views and the fenced switch (docs/versions.md)", s => MigrationScript.Load("0009_event_tables.sql", s)),
        new(10, "prepare_event_tables trusts no argument (a registered event projection generation and its declared tables, its own lock key, no other projection's table); first versioning releases the user's table's serial sequences (docs/versions.md)", s => MigrationScript.Load("0010_guard_event_tables.sql", s)),
        new(11, "one lock check (holds_slot_lock) for the fenced commit and switch; the runtime role writes projection_versions only through register_version and switch_generation, SECURITY DEFINER (docs/operations.md)", s => MigrationScript.Load("0011_holds_slot_lock.sql", s)),
        new(12, "old and new versions side by side: schema_version.compatible_from, and a progress row inserted without its projection (a first-release node) gets its name (docs/operations.md, \"Upgrading\")", SideBySide),
        new(13, "projection shapes: projection_shapes, progress.required_shape, register_shape and forget_shapes; a newer shape fences older-shape owners (docs/cluster.md, \"Shapes across code versions\")", s => MigrationScript.Load("0013_projection_shapes.sql", s)),
        // Conjoined tenancy (docs/tenancy.md); expand only, so OldestCompatibleVersion stays.
        new(14, "conjoined tenancy: tenant_streams keyed by (tenant, id), append_tenant_events, events unique by (stream_id, version, tenant_id), projection views with the tenant column (docs/tenancy.md)", s => MigrationScript.Load("0014_conjoined_tenancy.sql", s)),
        // Databases per tenant (docs/tenancy.md); expand only, so OldestCompatibleVersion stays.
        new(15, "databases per tenant: the master table tenant_databases (tenant id, connection string, added at) that a node's MasterTableTenantSource reads (docs/tenancy.md)", s => MigrationScript.Load("0015_tenant_databases.sql", s)),
        new(16, "the tenant status board: tenant_database_status, where nodes publish each tenant database's state for the dashboard (docs/tenancy.md)", s => MigrationScript.Load("0016_tenant_database_status.sql", s)),
    ];

    // Expand only: older libraries never see compatible_from, and a first-release node's INSERT INTO progress (name)
    // passes the NOT NULL that schema version 4 put on projection (NOT NULL is checked after BEFORE triggers).
    private static IReadOnlyList<string> SideBySide(SchemaContext s) =>
    [
        $"ALTER TABLE {s.Table("schema_version")} ADD COLUMN IF NOT EXISTS compatible_from int",
        $"""
        CREATE OR REPLACE FUNCTION {s.Table("progress_default_projection")}() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN
          NEW.projection := coalesce(NEW.projection, NEW.name);
          RETURN NEW;
        END
        $fn$
        """,
        $"DROP TRIGGER IF EXISTS progress_default_projection ON {s.Table("progress")}",
        $"CREATE TRIGGER progress_default_projection BEFORE INSERT ON {s.Table("progress")} FOR EACH ROW EXECUTE FUNCTION {s.Table("progress_default_projection")}()",
    ];

    /// <summary>
    /// The index a sharded projection's reads use: by shard, type and sequence, so that a shard reads only its own
    /// events of its types. One per shard count; created by the daemon (or the schema installer) for the counts its
    /// projections use.
    /// </summary>
    public static string ShardIndexSql(PostgresIdentifier schema, int shards) =>
        string.Create(CultureInfo.InvariantCulture, $"CREATE INDEX IF NOT EXISTS events_shard_{shards} ON {schema.Qualify("events")} ((stream_hash % {shards}), type, seq)");

    /// <summary>
    /// Whether the shard index of <paramref name="shards"/> exists (<c>$1</c> none): asked first, because creating an index,
    /// even one that exists, needs the events table's owner, which a least-privilege node is not.
    /// </summary>
    public static string ShardIndexExistsSql(PostgresIdentifier schema, int shards) =>
        string.Create(CultureInfo.InvariantCulture, $"SELECT to_regclass('{schema.Quoted.Replace("'", "''", StringComparison.Ordinal)}.events_shard_{shards}') IS NOT NULL");

    /// <summary>
    /// A scalar subquery: the time of the first event after position <paramref name="position"/> up to
    /// <paramref name="mark"/> (SQL expressions), the oldest event a slot has yet to apply (the status's lag).
    /// </summary>
    public static string FirstEventTimeSql(PostgresIdentifier schema, string position, string mark) =>
        $"(SELECT e.\"timestamp\" FROM {schema.Qualify("events")} e WHERE e.seq > {position} AND e.seq <= {mark} ORDER BY e.seq LIMIT 1)";

    /// <summary>
    /// A scalar subquery: the JSON body of the event at sequence <paramref name="sequence"/> (an SQL expression), cut to
    /// <paramref name="maxChars"/> characters, or null when there is none (a dead letter's payload).
    /// </summary>
    public static string EventBodySql(PostgresIdentifier schema, string sequence, int maxChars) =>
        string.Create(CultureInfo.InvariantCulture, $"(SELECT left(e.data::text, {maxChars}) FROM {schema.Qualify("events")} e WHERE e.seq = {sequence})");

    /// <summary>The latest version.</summary>
    public static int LatestVersion => Migrations[^1].Version;

    /// <summary>
    /// The oldest library that a schema this library writes stays compatible with, as the newest schema version that
    /// library knows: a library knowing at least this version keeps appending and projecting against a newer schema
    /// (expand/contract: a migration only adds what older libraries do not see, or fills in what they leave out).
    /// Recorded in <c>schema_version.compatible_from</c> (schema version 12) on every upgrade. Raise it to a migration's
    /// version when that migration contracts (drops or tightens something an older library still uses);
    /// docs/operations.md, "Upgrading".
    /// </summary>
    public const int OldestCompatibleVersion = 12;

    /// <summary>The schema version that added <c>schema_version.compatible_from</c>.</summary>
    public const int CompatibilityRecordedFrom = 12;

    /// <summary>
    /// Brings the schema to <see cref="LatestVersion"/>. Safe to call concurrently from many nodes: the advisory lock
    /// serializes them and each later one finds nothing to do. The version is read first, with no DDL: a role whose
    /// schema is current (or newer and compatible) needs no privilege to create anything; one that must migrate but may
    /// not gets an error naming the migration role's options.
    /// </summary>
    /// <returns>The versions applied by this call.</returns>
    /// <exception cref="InvalidOperationException">The schema is newer and not compatible with this library, or a migration is due that this role may not run.</exception>
    public static Task<IReadOnlyList<int>> ApplyAsync(NpgsqlConnection connection, SchemaContext context, CancellationToken cancellationToken) =>
        ApplyAsync(connection, context, LatestVersion, cancellationToken);

    /// <summary>
    /// Brings the schema to <paramref name="target"/>: <see cref="LatestVersion"/>, or an earlier version to make a
    /// schema as an older library left it (tests). The statements are those of a <see cref="SchemaPlan"/> made under the
    /// lock, the same ones <see cref="SchemaPlan.ScriptText"/> prints.
    /// </summary>
    /// <inheritdoc cref="ApplyAsync(NpgsqlConnection, SchemaContext, CancellationToken)"/>
    internal static async Task<IReadOnlyList<int>> ApplyAsync(NpgsqlConnection connection, SchemaContext context, int target, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, SchemaPlan.LockSqlFor(context), cancellationToken).ConfigureAwait(false);
        var (current, compatibleFrom) = await ReadVersionAsync(connection, context, cancellationToken).ConfigureAwait(false);
        var plan = new SchemaPlan(context, current, compatibleFrom, target);
        if (plan.IsRefused)
        {
            throw new InvalidOperationException(plan.RefusalMessage);
        }

        if (plan.Statements.Count == 0)
        {
            // Current, or a newer schema that keeps this library's statements working (docs/operations.md, "Upgrading").
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }

        try
        {
            foreach (var statement in plan.Statements)
            {
                await ExecuteAsync(connection, statement.Sql, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (PostgresException denied) when (denied.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new InvalidOperationException(
                $"Schema {context.Schema.Quoted} is at version {current} and needs migrations {plan.Due[0].Version}-{target}, which this connection's role may not run ({denied.SqlState}: {denied.MessageText}). "
                + "Apply the schema as the schema owner (the migration role): ProjectionSchemaInstaller.ApplyAsync as a deployment step, or ProjectionGenOptions.SchemaConnectionString set to its connection string "
                + "(docs/operations.md, \"Least privilege\").",
                denied);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. plan.Due.Select(m => m.Version)];
    }

    /// <summary>
    /// The plan that <see cref="ApplyAsync(NpgsqlConnection, SchemaContext, CancellationToken)"/> would run now, read
    /// without a lock or any DDL (a role without DDL privileges may ask); a script of it carries a guard against the
    /// schema having moved on since.
    /// </summary>
    public static async Task<SchemaPlan> PlanAsync(NpgsqlConnection connection, SchemaContext context, CancellationToken cancellationToken)
    {
        var (current, compatibleFrom) = await ReadVersionAsync(connection, context, cancellationToken).ConfigureAwait(false);
        return new SchemaPlan(context, current, compatibleFrom, LatestVersion);
    }

    /// <summary>
    /// The schema's version (0 when it has none yet) and, from schema version 12 on, the oldest library version it stays
    /// compatible with; reads only (no <c>CREATE</c>), so that a role without DDL privileges can ask.
    /// </summary>
    private static async Task<(int Current, int? CompatibleFrom)> ReadVersionAsync(NpgsqlConnection connection, SchemaContext context, CancellationToken cancellationToken)
    {
        var versionTable = context.Table("schema_version");
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection))
        {
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = versionTable });
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return (0, null);
            }
        }

        int current;
        await using (var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {versionTable}", connection))
        {
            current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (current < CompatibilityRecordedFrom)
        {
            return (current, null);
        }

        await using (var command = new NpgsqlCommand($"SELECT compatible_from FROM {versionTable} WHERE version = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = current });
            var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return (current, value is int from ? from : null);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    // The append protocol that the safe high-water mark depends on (see SafeHighWaterMark): the shared marker lock
    // first, then the stream row lock (which assigns the transaction id), and only then the sequence numbers.
    private static IReadOnlyList<string> CreateAppendFunction(SchemaContext s) => [AppendFunction(s, marksTransaction: false)];

    // Step 5: append_events records in a transaction-local setting that its transaction holds the marker and a
    // transaction id, and a statement-level trigger refuses any INSERT or COPY into the events table without it. A
    // plain INSERT ... nextval(...) draws its numbers without the marker, so it could commit behind the safe mark and
    // be skipped by every projection (docs/operations.md, "Least privilege").
    private static IReadOnlyList<string> RequireAppendMarker(SchemaContext s) =>
    [
        AppendFunction(s, marksTransaction: true),
        $"""
        CREATE OR REPLACE FUNCTION {s.Table("events_require_append_marker")}() RETURNS trigger
        LANGUAGE plpgsql AS $fn$
        BEGIN
          IF current_setting('{s.AppendMarkerSetting}', true) IS DISTINCT FROM 'on' THEN
            RAISE EXCEPTION USING ERRCODE = '{SchemaContext.DirectInsertSqlState}',
              MESSAGE = 'events in {s.Schema.Value}.events can only be written by {s.Schema.Value}.append_events: a direct INSERT or COPY could commit behind the projections'' safe high-water mark and be skipped by every projection',
              DETAIL = 'A direct INSERT or COPY draws its sequence numbers without holding the append marker lock and a transaction id first, which the safe high-water mark relies on.',
              HINT = 'Append through PostgresEventStore.AppendAsync or SELECT * FROM {s.Schema.Value}.append_events(...), also for imports; see docs/operations.md.';
          END IF;
          RETURN NULL;
        END
        $fn$
        """,
        $"DROP TRIGGER IF EXISTS events_require_append_marker ON {s.Table("events")}",
        $"CREATE TRIGGER events_require_append_marker BEFORE INSERT ON {s.Table("events")} FOR EACH STATEMENT EXECUTE FUNCTION {s.Table("events_require_append_marker")}()",
    ];

    private static string AppendFunction(SchemaContext s, bool marksTransaction) =>
        $"""
        CREATE OR REPLACE FUNCTION {s.Table("append_events")}(
          p_stream_id text, p_stream_type text, p_expected bigint, p_types text[], p_data jsonb[],
          p_correlation_id text, p_causation_id text, p_tenant_id text)
        RETURNS TABLE (first_seq bigint, last_seq bigint, new_version bigint)
        LANGUAGE plpgsql AS $fn$
        DECLARE
          v_current bigint;
          v_count bigint := cardinality(p_types);
          v_first bigint;
          v_last bigint;
        BEGIN
          IF v_count IS NULL OR v_count = 0 OR cardinality(p_data) IS DISTINCT FROM v_count THEN
            RAISE EXCEPTION 'append_events needs one or more events with one body each' USING ERRCODE = '22023';
          END IF;
          PERFORM pg_advisory_xact_lock_shared({s.AppendMarkerKey.ToString(CultureInfo.InvariantCulture)});
          SELECT version INTO v_current FROM {s.Table("streams")} WHERE id = p_stream_id FOR UPDATE;
          IF NOT FOUND THEN
            INSERT INTO {s.Table("streams")} (id, type, version) VALUES (p_stream_id, p_stream_type, 0) ON CONFLICT (id) DO NOTHING;
            IF FOUND THEN
              v_current := 0;
            ELSE
              SELECT version INTO v_current FROM {s.Table("streams")} WHERE id = p_stream_id FOR UPDATE;
            END IF;
          END IF;
          IF p_expected IS NOT NULL AND p_expected <> v_current THEN
            RAISE EXCEPTION 'stream is at version %, expected %', v_current, p_expected
              USING ERRCODE = '{SchemaContext.ConcurrencySqlState}', HINT = v_current::text;
          END IF;{(marksTransaction ? MarkTransaction(s) : "")}
          WITH inserted AS (
            INSERT INTO {s.Table("events")} (seq, stream_id, version, type, data, correlation_id, causation_id, tenant_id)
            SELECT nextval('{s.Table("events_seq")}'), p_stream_id, v_current + e.ord, e.type, e.data, p_correlation_id, p_causation_id, p_tenant_id
            FROM unnest(p_types, p_data) WITH ORDINALITY AS e(type, data, ord)
            RETURNING seq)
          SELECT min(seq), max(seq) INTO v_first, v_last FROM inserted;
          UPDATE {s.Table("streams")} SET version = v_current + v_count, updated_at = now() WHERE id = p_stream_id;
          PERFORM pg_notify('{s.NotificationChannel.Value}', v_last::text);
          RETURN QUERY SELECT v_first, v_last, v_current + v_count;
        END
        $fn$
        """;

    // After the marker and the stream row lock (or insert), before the numbers are drawn: the transaction holds the
    // marker and a transaction id from here to its end, which is what the safe mark's proof needs from every writer of
    // events. PERFORM sets FOUND, so this must not come between a statement and its IF NOT FOUND.
    private static string MarkTransaction(SchemaContext s) => $"""

          PERFORM pg_current_xact_id();
          PERFORM set_config('{s.AppendMarkerSetting}', 'on', true);
        """.TrimEnd();
}
