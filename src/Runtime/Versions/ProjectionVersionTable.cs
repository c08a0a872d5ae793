using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Versions;

/// <summary>
/// The one owner of the <c>projection_versions</c> table and of the projections' views: one row per generation of an
/// aggregate projection, or of an event projection that declares its tables (<see cref="ProjectionGeneration"/>), with its state (building, live, kept, retired), slot key,
/// document table, shard count and when it started building, switched and was retired. Every statement against the
/// table is here: the registration of a node's generations, the heartbeat's snapshot, the fenced switch, shadow rebuilds,
/// switch-back, retirement and status, and today's definitions of its functions (<see cref="SecureRegistration"/>); its
/// creation and the released steps' functions are the embedded scripts of schema versions 8 to 10
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
    /// recording a switch (<see cref="Operations.ProjectionHistory"/>; the parameter numbers are those of its insert).
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

    /// <summary>
    /// The schema migration (version 11) after which the runtime role writes <c>projection_versions</c> only through
    /// functions (docs/operations.md, "Least privilege"): <c>register_version</c> becomes <c>SECURITY DEFINER</c> and checks
    /// what it registers; the switch's state change moves into <c>switch_generation</c>, also <c>SECURITY DEFINER</c>, which
    /// <c>switch_version</c> calls after its fence (the caller's epoch and <c>holds_slot_lock</c>); the direct
    /// INSERT, UPDATE and DELETE grants on the table are revoked from every role that had them, which get EXECUTE on the two
    /// functions instead. These are today's definitions of the three functions.
    /// </summary>
    public static IReadOnlyList<string> SecureRegistration(SchemaContext s)
    {
        var q = s.Schema.Quoted;
        var literal = "'" + s.Schema.Value + "'";
        var table = q + ".projection_versions";
        return
        [
            // The registration lock key of a projection (AdvisoryLockKey.ForSlotRegistration), computed by the server.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.registration_lock_key(p_projection text)
            RETURNS bigint LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
              SELECT ('x' || left(encode(sha256(convert_to('projectiongen/' || {{literal}} || '/' || p_projection || '/slots', 'UTF8')), 'hex'), 16))::bit(64)::bigint
            $fn$
            """,

            // A node's generation: a projection that ran before versions existed adopts its original generation as live;
            // a new generation is live when nothing is, building when its version is newer than the live one, else kept.
            // SECURITY DEFINER: the runtime role cannot write the table, so every row it causes is one checked here. The
            // names must agree with each other (docs/versions.md), and a copy of a plain table of the schema that no
            // generation of this projection declares yet (which prepare_event_tables would turn into a view) may be
            // registered only by a role that may insert into that table, as the handlers of its projection do.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.register_version(
              p_projection text, p_generation text, p_version int, p_slot_key text, p_table text, p_shards int,
              p_original_table text, p_lock_key bigint)
            RETURNS TABLE (state text, created boolean) LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              v_state text;
              v_live_version int;
              v_created boolean := false;
              v_caller text := CASE WHEN current_setting('role') <> 'none' THEN current_setting('role') ELSE session_user END;
              v_base text;
              v_oid oid;
              v_slots bigint;
              v_shards int;
              t text;
            BEGIN
              IF p_projection IS NULL OR p_projection !~ '^[a-z][a-z0-9_]{0,47}$'
                 OR p_generation IS NULL OR p_generation !~ '^v[1-9][0-9]{0,2}b?$'
                 OR p_generation NOT IN ('v' || p_version, 'v' || p_version || 'b')
                 OR p_slot_key IS DISTINCT FROM (CASE WHEN p_generation = 'v1' THEN p_projection ELSE p_projection || '@' || p_generation END)
                 OR p_shards IS NULL OR p_shards < 1
                 OR p_original_table IS NULL OR p_original_table !~ '^[a-z_][a-z0-9_]{0,62}$'
                 OR p_table IS NULL OR EXISTS (SELECT 1 FROM unnest(string_to_array(p_table, ', ')) x WHERE x !~ '^[a-z_][a-z0-9_]{0,62}$') THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                  MESSAGE = format('%L (%L, version %s, slot %L, table %L) is not a projection generation', p_projection, p_generation, p_version, p_slot_key, p_table);
              END IF;
              IF p_lock_key IS DISTINCT FROM {{q}}.registration_lock_key(p_projection) THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s is not the registration lock key of projection %s', p_lock_key, p_projection);
              END IF;
              PERFORM pg_advisory_xact_lock(p_lock_key);
              FOREACH t IN ARRAY string_to_array(p_table, ', ') LOOP
                CONTINUE WHEN right(t, length(p_generation) + 1) <> '_' || p_generation;
                v_base := left(t, length(t) - length(p_generation) - 1);
                v_oid := to_regclass(format('%I.%I', {{literal}}, v_base));
                IF v_oid IS NOT NULL AND (SELECT c.relkind FROM pg_class c WHERE c.oid = v_oid) IN ('r', 'p')
                   AND NOT EXISTS (SELECT 1 FROM {{table}} v WHERE v.projection = p_projection AND v_base = ANY (v.tables))
                   AND NOT has_table_privilege(v_caller, v_oid, 'INSERT') THEN
                  RAISE EXCEPTION USING ERRCODE = '42501',
                    MESSAGE = format('role %s may not insert into table %I.%I, so it cannot register it as a table of projection %s', v_caller, {{literal}}, v_base, p_projection);
                END IF;
              END LOOP;
              IF NOT EXISTS (SELECT 1 FROM {{table}} v WHERE v.projection = p_projection) THEN
                SELECT g.slots, g.max_shard_count INTO v_slots, v_shards FROM {{q}}.generation_slots(p_projection, false) g;
                IF v_slots > 0 THEN
                  INSERT INTO {{table}} (projection, generation, version, slot_key, table_name, shard_count, state, switched_at)
                  VALUES (p_projection, 'v1', 1, p_projection, p_original_table, v_shards, 'live', now());
                END IF;
              END IF;
              SELECT v.state INTO v_state FROM {{table}} v WHERE v.projection = p_projection AND v.generation = p_generation;
              IF NOT FOUND THEN
                SELECT v.version INTO v_live_version FROM {{table}} v WHERE v.projection = p_projection AND v.state = 'live';
                v_state := CASE WHEN v_live_version IS NULL THEN 'live' WHEN p_version > v_live_version THEN 'building' ELSE 'kept' END;
                INSERT INTO {{table}} (projection, generation, version, slot_key, table_name, shard_count, state, build_started_at, switched_at)
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

            // The switch's state change, only when every slot of the building generation has reached every slot of the
            // live one (their progress rows are ProgressTable's, read through its functions). The live generation's
            // progress rows are locked first, so that no commit of the live generation
            // lands between the comparison and the switch; the generation it replaces is fenced when it is an event
            // projection's: its slots get a new epoch (an in-flight commit of the old owner is refused) and the status
            // 'kept', which no node can acquire until a switch back. Returns NULL when switched, else why not.
            // SECURITY DEFINER: the runtime role cannot write the table. Called by switch_version after its fence; a
            // direct call skips only the caller's fence, not these conditions.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.switch_generation(p_projection text, p_generation text)
            RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              v_target {{table}}%ROWTYPE;
              v_live {{table}}%ROWTYPE;
              v_live_position bigint;
              v_target_position bigint;
              v_target_slots bigint;
            BEGIN
              SELECT * INTO v_target FROM {{table}} v WHERE v.projection = p_projection AND v.generation = p_generation FOR UPDATE;
              IF NOT FOUND OR v_target.state <> 'building' THEN
                RETURN format('generation %s is %s, not building', p_generation, coalesce(v_target.state, 'unknown'));
              END IF;
              SELECT * INTO v_live FROM {{table}} v WHERE v.projection = p_projection AND v.state = 'live' FOR UPDATE;
              IF FOUND THEN
                SELECT g.max_position INTO v_live_position FROM {{q}}.generation_slots(v_live.slot_key, true) g;
              END IF;
              SELECT g.min_position, g.slots INTO v_target_position, v_target_slots FROM {{q}}.generation_slots(v_target.slot_key, false) g;
              IF v_target_slots < v_target.shard_count THEN
                RETURN format('generation %s has %s of its %s slots', p_generation, v_target_slots, v_target.shard_count);
              END IF;
              IF v_target_position < coalesce(v_live_position, 0) THEN
                RETURN format('behind by %s', coalesce(v_live_position, 0) - v_target_position);
              END IF;
              UPDATE {{table}} v SET state = 'kept' WHERE v.projection = p_projection AND v.state = 'live';
              UPDATE {{table}} v SET state = 'live', switched_at = now()
               WHERE v.projection = p_projection AND v.generation = p_generation;
              IF v_live.tables IS NOT NULL THEN
                PERFORM {{q}}.keep_generation_slots(v_live.slot_key);
              END IF;
              PERFORM {{q}}.set_projection_view(p_projection);
              RETURN NULL;
            END
            $fn$
            """,

            // The switch: fenced like a commit (the caller's epoch of the building generation's first slot, and its lock,
            // holds_slot_lock), then the state change. Runs with the caller's privileges, so that the lock check sees the
            // caller's own lock session.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.switch_version(
              p_projection text, p_generation text, p_slot text, p_epoch bigint,
              p_lock_pid integer, p_lock_backend_start timestamptz, p_lock_key bigint)
            RETURNS text LANGUAGE plpgsql AS $fn$
            DECLARE
              v_epoch bigint;
            BEGIN
              v_epoch := {{q}}.lock_slot_epoch(p_slot);
              IF v_epoch IS DISTINCT FROM p_epoch THEN
                RAISE EXCEPTION USING ERRCODE = 'PG002',
                  MESSAGE = format('epoch %s of projection %s was superseded by epoch %s', p_epoch, p_slot, v_epoch);
              END IF;
              IF NOT {{q}}.holds_slot_lock(p_lock_pid, p_lock_backend_start, p_lock_key) THEN
                RAISE EXCEPTION USING ERRCODE = 'PG001',
                  MESSAGE = format('the lock of projection %s is no longer held by backend %s', p_slot, p_lock_pid);
              END IF;
              RETURN {{q}}.switch_generation(p_projection, p_generation);
            END
            $fn$
            """,

            $"REVOKE ALL ON FUNCTION {q}.register_version(text, text, integer, text, text, integer, text, bigint) FROM PUBLIC",
            $"REVOKE ALL ON FUNCTION {q}.switch_generation(text, text) FROM PUBLIC",

            // The roles that wrote the table directly (the runtime roles of docs/operations.md) lose that and get the two
            // functions instead.
            $$"""
            DO $do$
            DECLARE
              r record;
              v_role text;
            BEGIN
              FOR r IN SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
                        WHERE c.oid = '{{table}}'::regclass AND a.grantee <> c.relowner
                          AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE') LOOP
                v_role := CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END;
                EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON TABLE %s FROM %s', '{{table}}', v_role);
                IF r.grantee <> 0 THEN
                  EXECUTE format('GRANT EXECUTE ON FUNCTION %s.register_version(text, text, integer, text, text, integer, text, bigint), %s.switch_generation(text, text) TO %s',
                                 '{{q}}', '{{q}}', v_role);
                END IF;
              END LOOP;
            END
            $do$
            """,
        ];
    }
}
