using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Versions;

/// <summary>
/// The one owner of the <c>projection_versions</c> table and of the projections' views: one row per generation of an
/// aggregate projection (<see cref="ProjectionGeneration"/>) with its state (building, live, kept, retired), slot key,
/// document table, shard count and when it started building, switched and was retired. Every statement against the
/// table is here: its creation, the registration of a node's generations, the heartbeat's snapshot, the fenced switch,
/// shadow rebuilds, switch-back, retirement and status (docs/versions.md).
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
        var progress = schema.Qualify("progress");
        SnapshotSql = $"SELECT projection, generation, state FROM {table}";
        RegisterSql = $"SELECT state, created FROM {schema.Quoted}.register_version($1, $2, $3, $4, $5, $6, $7, $8)";
        SwitchSql = $"SELECT {schema.Quoted}.switch_version($1, $2, $3, $4, $5, $6, $7)";
        StatusSql = $"""
            SELECT v.projection, v.generation, v.version, v.state, v.slot_key, v.table_name, v.shard_count,
                   v.created_at, v.build_started_at, v.switched_at, v.retired_at,
                   (SELECT min(p.position) FROM {progress} p WHERE p.projection = v.slot_key),
                   (SELECT count(*) FROM {progress} p WHERE p.projection = v.slot_key)
            FROM {table} v
            ORDER BY v.projection, v.version, v.generation
            """;
        RowSql = $"SELECT version, state, slot_key, table_name, shard_count FROM {table} WHERE projection = $1 AND generation = $2 FOR UPDATE";
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

    /// <summary>One generation's row ($1 projection, $2 label), locked.</summary>
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

    /// <summary>The statement that sets the view of $1 to its live generation's table, creating it when missing.</summary>
    public string SetViewSql => $"SELECT {Schema.Quoted}.set_projection_view($1)";

    /// <summary>The serializing lock of every change to <paramref name="projection"/>'s generations.</summary>
    public AdvisoryLockKey RegistrationKey(string projection) => AdvisoryLockKey.ForSlotRegistration(Schema.Value, projection);

    /// <summary>A text parameter.</summary>
    public static NpgsqlParameter Text(string value) => new NpgsqlParameter<string> { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>The schema migration's statements: the table, the view function, registration and the fenced switch.</summary>
    public static IReadOnlyList<string> CreateTable(SchemaContext s)
    {
        var q = s.Schema.Quoted;
        var literal = "'" + s.Schema.Value + "'";
        return
        [
            $"""
            CREATE TABLE IF NOT EXISTS {s.Table("projection_versions")} (
              projection text NOT NULL, generation text NOT NULL, version int NOT NULL, slot_key text NOT NULL,
              table_name text NOT NULL, shard_count int NOT NULL DEFAULT 1, state text NOT NULL,
              created_at timestamptz NOT NULL DEFAULT now(), build_started_at timestamptz, switched_at timestamptz,
              retired_at timestamptz, PRIMARY KEY (projection, generation))
            """,

            // SECURITY DEFINER: runs as the schema owner, so the runtime role needs no DDL privilege. It takes only a
            // projection name and reads the table from the live row; identifiers are quoted by format(%I).
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.set_projection_view(p_projection text)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              v_table text;
            BEGIN
              IF p_projection !~ '^[a-z][a-z0-9_]{0,47}$' THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L is not a projection name', p_projection);
              END IF;
              SELECT table_name INTO v_table FROM {{q}}.projection_versions WHERE projection = p_projection AND state = 'live';
              IF v_table IS NULL OR v_table !~ '^[a-z_][a-z0-9_]{0,62}$' OR to_regclass(format('%I.%I', {{literal}}, v_table)) IS NULL THEN
                RETURN;
              END IF;
              EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT id, data, last_seq, updated_at FROM %I.%I',
                             {{literal}}, p_projection, {{literal}}, v_table);
            END
            $fn$
            """,

            // A node's generation: a projection that ran before versions existed adopts its original generation as live;
            // a new generation is live when nothing is, building when its version is newer than the live one, else kept.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.register_version(
              p_projection text, p_generation text, p_version int, p_slot_key text, p_table text, p_shards int,
              p_original_table text, p_lock_key bigint)
            RETURNS TABLE (state text, created boolean) LANGUAGE plpgsql AS $fn$
            DECLARE
              v_state text;
              v_live_version int;
              v_created boolean := false;
            BEGIN
              PERFORM pg_advisory_xact_lock(p_lock_key);
              IF NOT EXISTS (SELECT 1 FROM {{q}}.projection_versions v WHERE v.projection = p_projection)
                 AND EXISTS (SELECT 1 FROM {{q}}.progress p WHERE p.projection = p_projection) THEN
                INSERT INTO {{q}}.projection_versions (projection, generation, version, slot_key, table_name, shard_count, state, switched_at)
                SELECT p_projection, 'v1', 1, p_projection, p_original_table, max(p.shard_count), 'live', now()
                FROM {{q}}.progress p WHERE p.projection = p_projection;
              END IF;
              SELECT v.state INTO v_state FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation;
              IF NOT FOUND THEN
                SELECT v.version INTO v_live_version FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live';
                v_state := CASE WHEN v_live_version IS NULL THEN 'live' WHEN p_version > v_live_version THEN 'building' ELSE 'kept' END;
                INSERT INTO {{q}}.projection_versions (projection, generation, version, slot_key, table_name, shard_count, state, build_started_at, switched_at)
                VALUES (p_projection, p_generation, p_version, p_slot_key, p_table, p_shards, v_state,
                        CASE WHEN v_state = 'building' THEN now() END, CASE WHEN v_state = 'live' THEN now() END);
                v_created := true;
              END IF;
              IF to_regclass(format('%I.%I', {{literal}}, p_projection)) IS NULL THEN
                PERFORM {{q}}.set_projection_view(p_projection);
              END IF;
              RETURN QUERY SELECT v_state, v_created;
            END
            $fn$
            """,

            // The switch: fenced like a commit (the caller's epoch of the building generation's first slot, and its lock
            // in pg_locks), and only when every slot of the building generation has reached every slot of the live one.
            // The live generation's progress rows are locked first, so that no commit of the live generation lands
            // between the comparison and the switch. Returns NULL when switched, else why not.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.switch_version(
              p_projection text, p_generation text, p_slot text, p_epoch bigint,
              p_lock_pid integer, p_lock_backend_start timestamptz, p_lock_key bigint)
            RETURNS text LANGUAGE plpgsql AS $fn$
            DECLARE
              v_target {{q}}.projection_versions%ROWTYPE;
              v_live {{q}}.projection_versions%ROWTYPE;
              v_epoch bigint;
              v_live_position bigint;
              v_target_position bigint;
              v_target_slots bigint;
            BEGIN
              SELECT p.epoch INTO v_epoch FROM {{q}}.progress p WHERE p.name = p_slot FOR UPDATE;
              IF v_epoch IS DISTINCT FROM p_epoch THEN
                RAISE EXCEPTION USING ERRCODE = 'PG002',
                  MESSAGE = format('epoch %s of projection %s was superseded by epoch %s', p_epoch, p_slot, v_epoch);
              END IF;
              IF NOT EXISTS (
                   SELECT 1 FROM pg_locks l, pg_stat_get_activity(p_lock_pid) a
                    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                      AND l.classid = ((p_lock_key >> 32) & 4294967295)::oid
                      AND l.objid = (p_lock_key & 4294967295)::oid
                      AND l.pid = p_lock_pid AND a.backend_start = p_lock_backend_start) THEN
                RAISE EXCEPTION USING ERRCODE = 'PG001',
                  MESSAGE = format('the lock of projection %s is no longer held by backend %s', p_slot, p_lock_pid);
              END IF;
              SELECT * INTO v_target FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation FOR UPDATE;
              IF NOT FOUND OR v_target.state <> 'building' THEN
                RETURN format('generation %s is %s, not building', p_generation, coalesce(v_target.state, 'unknown'));
              END IF;
              SELECT * INTO v_live FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live' FOR UPDATE;
              IF FOUND THEN
                PERFORM 1 FROM {{q}}.progress p WHERE p.projection = v_live.slot_key FOR UPDATE;
                SELECT max(p.position) INTO v_live_position FROM {{q}}.progress p WHERE p.projection = v_live.slot_key;
              END IF;
              SELECT min(p.position), count(*) INTO v_target_position, v_target_slots FROM {{q}}.progress p WHERE p.projection = v_target.slot_key;
              IF v_target_slots < v_target.shard_count THEN
                RETURN format('generation %s has %s of its %s slots', p_generation, v_target_slots, v_target.shard_count);
              END IF;
              IF v_target_position < coalesce(v_live_position, 0) THEN
                RETURN format('behind by %s', coalesce(v_live_position, 0) - v_target_position);
              END IF;
              UPDATE {{q}}.projection_versions v SET state = 'kept' WHERE v.projection = p_projection AND v.state = 'live';
              UPDATE {{q}}.projection_versions v SET state = 'live', switched_at = now()
               WHERE v.projection = p_projection AND v.generation = p_generation;
              PERFORM {{q}}.set_projection_view(p_projection);
              RETURN NULL;
            END
            $fn$
            """,
        ];
    }
}
