using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using ProjectionGen.Generations;
using ProjectionGen.Locking;

namespace ProjectionGen.Progress;

/// <summary>
/// The one owner of the <c>projection_versions</c> table and of the projections' views: one row per generation of an
/// aggregate projection, or of an event projection that declares its tables (<see cref="ProjectionGeneration"/>), with its state (building, live, kept, retired), slot key,
/// document table, shard count and when it started building, switched and was retired. Every statement against the
/// table is here: the registration of a node's generations, the heartbeat's snapshot, the fenced switch, shadow rebuilds,
/// switch-back, retirement and status; its creation and its functions are the embedded scripts of schema versions 8 to 11
/// (<c>EventStore/Migrations/</c>, docs/versions.md).
/// </summary>
/// <remarks>
/// The view <c>{schema}.{projection}</c> always points at the live generation's table. It is created and replaced only by
/// <c>set_projection_view</c>, a <c>SECURITY DEFINER</c> function owned by the schema owner that reads the table name
/// from the live row itself: the runtime role needs no DDL privilege and cannot point a view anywhere else.
/// </remarks>
internal sealed class ProjectionVersionTable
{
    private readonly string table;

    /// <param name="schema">The validated schema.</param>
    public ProjectionVersionTable(PostgresIdentifier schema)
    {
        Schema = schema;
        table = schema.Qualify("projection_versions");
        SnapshotSql = $"SELECT projection, generation, state FROM {table}";
        RegisterSql = $"SELECT state, created FROM {schema.Quoted}.register_version($1, $2, $3, $4, $5, $6, $7, $8)";
        SwitchSql = $"SELECT {schema.Quoted}.switch_version($1, $2, $3, $4, $5, $6, $7)";
        StatusSql = $"""
            SELECT v.projection, v.generation, v.version, v.state, v.slot_key, v.table_name, v.shard_count,
                   v.created_at, v.build_started_at, v.switched_at, v.retired_at,
                   {new Progress.ProgressTable(schema).GenerationSlotsSql}
            FROM {table} v
            ORDER BY v.projection, v.version, v.generation
            """;
        RowSql = $"SELECT version, state, slot_key, table_name, shard_count, tables FROM {table} WHERE projection = $1 AND generation = $2 FOR UPDATE";
        LiveSql = $"SELECT generation, version, slot_key, table_name, shard_count FROM {table} WHERE projection = $1 AND state = 'live' FOR UPDATE";
        BuildingSql = $"SELECT generation FROM {table} WHERE projection = $1 AND state = 'building'";
        StartBuildSql = $"""
            INSERT INTO {table} AS v (projection, generation, version, slot_key, table_name, shard_count, state, build_started_at)
            VALUES ($1, $2, $3, $4, $5, $6, 'building', now())
            ON CONFLICT (projection, generation) DO UPDATE SET state = 'building', build_started_at = now(), switched_at = NULL,
              retired_at = NULL, table_name = excluded.table_name, shard_count = excluded.shard_count
            """;
        SwitchBackSql = $"UPDATE {table} SET state = 'building', build_started_at = now() WHERE projection = $1 AND generation = $2 AND state = 'kept'";
        RetireSql = $"UPDATE {table} SET state = 'retired', retired_at = now() WHERE projection = $1 AND generation = $2 AND state = 'kept'";
        SwitchedNowSql = $"SELECT 1 FROM {table} v WHERE v.projection = $2 AND v.generation = $6 AND v.state = 'live' AND v.switched_at = now()";
    }

    /// <summary>The schema holding the table.</summary>
    public PostgresIdentifier Schema { get; }

    /// <summary>Every generation's state: the heartbeat's view of what the nodes should run.</summary>
    public string SnapshotSql { get; }

    /// <summary>
    /// Registers a node's generation ($1 projection, $2 label, $3 version, $4 slot key, $5 table, $6 shards, $7 the
    /// original generation's table, $8 the projection's registration lock key); returns its state and whether this call
    /// created it.
    /// </summary>
    public string RegisterSql { get; }

    /// <summary>The fenced switch ($1 projection, $2 label, $3 slot, $4 epoch, $5 lock pid, $6 lock backend start, $7 lock key).</summary>
    public string SwitchSql { get; }

    /// <summary>Every generation with its slots' lowest position and slot count.</summary>
    public string StatusSql { get; }

    /// <summary>One generation's row ($1 projection, $2 label), locked; its last column is an event projection's declared tables (or null).</summary>
    public string RowSql { get; }

    /// <summary>The live generation's row ($1 projection), locked.</summary>
    public string LiveSql { get; }

    /// <summary>The generations of $1 now building.</summary>
    public string BuildingSql { get; }

    /// <summary>Starts (or restarts) building a generation ($1 projection, $2 label, $3 version, $4 slot key, $5 table, $6 shards).</summary>
    public string StartBuildSql { get; }

    /// <summary>Makes kept generation $2 of $1 build again (it catches up from its position and is then switched to).</summary>
    public string SwitchBackSql { get; }

    /// <summary>Marks kept generation $2 of $1 retired.</summary>
    public string RetireSql { get; }

    /// <summary>
    /// A row when generation $6 of projection $2 was switched live by this transaction: the history's condition for
    /// recording a switch (<see cref="HistoryTable"/>; the parameter numbers are those of its insert).
    /// </summary>
    public string SwitchedNowSql { get; }

    /// <summary>
    /// Prepares an event projection's declared tables for a generation ($1 projection, $2 label, $3 the declared tables,
    /// $4 the projection's registration lock key): on first versioning the user's table becomes the live generation's
    /// copy behind a view of its name; the generation's copies are created like the live ones (schema versions 9 and 10, <c>EventStore/Migrations/</c>).
    /// </summary>
    public string PrepareTablesSql => $"SELECT {Schema.Quoted}.prepare_event_tables($1, $2, $3, $4)";

    /// <summary>The serializing lock of every change to <paramref name="projection"/>'s generations.</summary>
    public AdvisoryLockKey RegistrationKey(string projection) => AdvisoryLockKey.ForSlotRegistration(Schema.Value, projection);

    /// <summary>A text parameter.</summary>
    public static NpgsqlParameter Text(string value) => new NpgsqlParameter<string> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };
}
