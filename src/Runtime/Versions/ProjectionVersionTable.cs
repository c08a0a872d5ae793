using Npgsql;
using NpgsqlTypes;
using ProjectionGen.EventStore;
using ProjectionGen.Locking;

namespace ProjectionGen.Versions;

/// <summary>
/// The one owner of the <c>projection_versions</c> table and of the projections' views: one row per generation of an
/// aggregate projection, or of an event projection that declares its tables (<see cref="ProjectionGeneration"/>), with its state (building, live, kept, retired), slot key,
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
    /// Prepares an event projection's declared tables for a generation ($1 projection, $2 label, $3 the declared tables,
    /// $4 the projection's registration lock key): on first versioning the user's table becomes the live generation's
    /// copy behind a view of its name; the generation's copies are created like the live ones (<see cref="CreateEventTables"/>).
    /// </summary>
    public string PrepareTablesSql => $"SELECT {Schema.Quoted}.prepare_event_tables($1, $2, $3, $4)";

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

    /// <summary>
    /// The schema migration for event projections' versions (docs/versions.md, "Event projections"): the declared tables
    /// of each generation, <c>prepare_event_tables</c> (first versioning and a generation's copies), views of the declared
    /// tables in <c>set_projection_view</c>, and a switch that fences the generation it replaces.
    /// </summary>
    public static IReadOnlyList<string> CreateEventTables(SchemaContext s)
    {
        var q = s.Schema.Quoted;
        var literal = "'" + s.Schema.Value + "'";
        var reserved = string.Join(", ", Daemon.DocumentTableNames.Reserved.Select(name => "'" + name + "'"));
        return
        [
            $"ALTER TABLE {s.Table("projection_versions")} ADD COLUMN IF NOT EXISTS tables text[]",

            // Copies the privileges granted on one relation to another (a view replacing a table, a generation's copy).
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.copy_relation_grants(p_from oid, p_to text)
            RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              r record;
            BEGIN
              FOR r IN SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = p_from AND a.grantee <> c.relowner LOOP
                EXECUTE format('GRANT %s ON %I.%I TO %s', r.privilege_type, {{literal}}, p_to,
                               CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END);
              END LOOP;
            END
            $fn$
            """,

            $"REVOKE ALL ON FUNCTION {q}.copy_relation_grants(oid, text) FROM PUBLIC",

            // SECURITY DEFINER, like set_projection_view: the runtime role needs no DDL privilege. Serialized per projection
            // by its registration lock. Names are checked here again (the runtime role could pass any): plain identifiers,
            // none of ProjectionGen's own relations, none another projection's.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.prepare_event_tables(p_projection text, p_generation text, p_tables text[], p_lock_key bigint)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              v_live text;
              v_oid oid;
              t text;
            BEGIN
              PERFORM pg_advisory_xact_lock(p_lock_key);
              IF p_projection !~ '^[a-z][a-z0-9_]{0,47}$' OR p_generation !~ '^v[1-9][0-9]{0,2}b?$' THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L (%L) is not a projection generation', p_projection, p_generation);
              END IF;
              FOREACH t IN ARRAY p_tables LOOP
                IF t !~ '^[a-z][a-z0-9_]{0,47}$' OR t IN ({{reserved}}) THEN
                  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L cannot be a declared table of projection %s', t, p_projection);
                END IF;
                IF EXISTS (SELECT 1 FROM {{q}}.projection_versions v
                            WHERE v.projection <> p_projection AND (v.projection = t OR t = ANY (v.tables) OR v.table_name = t)) THEN
                  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('table %s declared by projection %s belongs to another projection', t, p_projection);
                END IF;
              END LOOP;
              UPDATE {{q}}.projection_versions v SET tables = p_tables
               WHERE v.projection = p_projection AND (v.generation = p_generation OR v.tables IS NULL);
              SELECT v.generation INTO v_live FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live';
              v_live := coalesce(v_live, p_generation);
              FOREACH t IN ARRAY p_tables LOOP
                v_oid := to_regclass(format('%I.%I', {{literal}}, t));
                IF v_oid IS NULL THEN
                  RAISE EXCEPTION USING ERRCODE = '55000',
                    MESSAGE = format('table %I.%I, declared by projection %s, does not exist: create it before the projection runs', {{literal}}, t, p_projection);
                END IF;
                IF (SELECT c.relkind FROM pg_class c WHERE c.oid = v_oid) IN ('r', 'p') THEN
                  -- First versioning: the user's table becomes the live generation's copy, and a view of its name, which
                  -- readers and literal SQL keep using, takes its place, in this one transaction.
                  EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', {{literal}}, t, t || '_' || v_live);
                  EXECUTE format('CREATE VIEW %I.%I AS SELECT * FROM %I.%I', {{literal}}, t, {{literal}}, t || '_' || v_live);
                  PERFORM {{q}}.copy_relation_grants(v_oid, t);
                END IF;
                IF to_regclass(format('%I.%I', {{literal}}, t || '_' || p_generation)) IS NULL THEN
                  v_oid := to_regclass(format('%I.%I', {{literal}}, t || '_' || v_live));
                  IF v_oid IS NULL THEN
                    RAISE EXCEPTION USING ERRCODE = '55000',
                      MESSAGE = format('table %I.%I of the live generation of projection %s is missing', {{literal}}, t || '_' || v_live, p_projection);
                  END IF;
                  EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', {{literal}}, t || '_' || p_generation, {{literal}}, t || '_' || v_live);
                  PERFORM {{q}}.copy_relation_grants(v_oid, t || '_' || p_generation);
                END IF;
              END LOOP;
            END
            $fn$
            """,

            // As in schema version 8, and for an event projection a view per declared table over the live generation's copy.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.set_projection_view(p_projection text)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              v_table text;
              v_tables text[];
              v_generation text;
              t text;
            BEGIN
              IF p_projection !~ '^[a-z][a-z0-9_]{0,47}$' THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L is not a projection name', p_projection);
              END IF;
              SELECT table_name, tables, generation INTO v_table, v_tables, v_generation
                FROM {{q}}.projection_versions WHERE projection = p_projection AND state = 'live';
              IF v_tables IS NOT NULL THEN
                -- A declared table that is still a plain table is converted by prepare_event_tables, not here.
                IF v_generation !~ '^v[1-9][0-9]{0,2}b?$' THEN
                  RETURN;
                END IF;
                FOREACH t IN ARRAY v_tables LOOP
                  IF t ~ '^[a-z][a-z0-9_]{0,47}$'
                     AND (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', {{literal}}, t))) = 'v'
                     AND to_regclass(format('%I.%I', {{literal}}, t || '_' || v_generation)) IS NOT NULL THEN
                    EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT * FROM %I.%I', {{literal}}, t, {{literal}}, t || '_' || v_generation);
                  END IF;
                END LOOP;
                RETURN;
              END IF;
              IF v_table IS NULL OR v_table !~ '^[a-z_][a-z0-9_]{0,62}$' OR to_regclass(format('%I.%I', {{literal}}, v_table)) IS NULL THEN
                RETURN;
              END IF;
              EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT id, data, last_seq, updated_at FROM %I.%I',
                             {{literal}}, p_projection, {{literal}}, v_table);
            END
            $fn$
            """,

            // As in schema version 8, and the generation it replaces is fenced when it is an event projection's: its slots
            // get a new epoch (an in-flight commit of the old owner is refused) and the status 'kept', which no node can
            // acquire until a switch back. Its handlers may write the declared tables by their names, which now lead to the
            // new generation's copies.
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
              IF v_live.tables IS NOT NULL THEN
                UPDATE {{q}}.progress p SET epoch = p.epoch + 1, status = 'kept' WHERE p.projection = v_live.slot_key;
              END IF;
              PERFORM {{q}}.set_projection_view(p_projection);
              RETURN NULL;
            END
            $fn$
            """,
        ];
    }

    /// <summary>
    /// The schema migration that hardens <c>prepare_event_tables</c> (docs/versions.md, "Event projections"): it prepares
    /// only a registered generation of an event projection, with exactly the tables that generation was registered with,
    /// serialized by a lock key it computes itself, and refuses a table that is another projection's (declared, copy or
    /// document table). On first versioning the sequences the user's table owns are released (<c>OWNED BY NONE</c>), since
    /// every generation's copy shares them; sequences already owned by a copy are released here once.
    /// </summary>
    public static IReadOnlyList<string> GuardEventTables(SchemaContext s)
    {
        var q = s.Schema.Quoted;
        var literal = "'" + s.Schema.Value + "'";
        var reserved = string.Join(", ", Daemon.DocumentTableNames.Reserved.Select(name => "'" + name + "'"));
        return
        [
            // Releases the sequences (serial columns) that relation p_table owns: the copies of a declared table share them,
            // so dropping one copy (retiring its generation) must not drop them. Identity columns are not affected: each
            // copy made by LIKE ... INCLUDING ALL has its own identity sequence.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.release_owned_sequences(p_table oid)
            RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              r record;
            BEGIN
              FOR r IN SELECT d.objid FROM pg_depend d JOIN pg_class seq ON seq.oid = d.objid AND seq.relkind = 'S'
                        WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                          AND d.refobjid = p_table AND d.deptype = 'a' LOOP
                EXECUTE format('ALTER SEQUENCE %s OWNED BY NONE', r.objid::regclass);
              END LOOP;
            END
            $fn$
            """,

            $"REVOKE ALL ON FUNCTION {q}.release_owned_sequences(oid) FROM PUBLIC",

            // Copies made before this migration: release what they own once.
            $$"""
            DO $do$
            DECLARE
              r record;
            BEGIN
              FOR r IN SELECT DISTINCT c.oid FROM {{q}}.projection_versions v, unnest(v.tables) t, pg_class c
                        WHERE c.relnamespace = {{literal}}::regnamespace AND c.relkind IN ('r', 'p')
                          AND c.relname ~ ('^' || t || '_v[1-9][0-9]{0,2}b?$') LOOP
                PERFORM {{q}}.release_owned_sequences(r.oid);
              END LOOP;
            END
            $do$
            """,

            // SECURITY DEFINER (the runtime role has EXECUTE): it trusts no argument. The generation must be registered
            // (register_version, or a shadow rebuild's row) as an event projection's: its table_name lists exactly the
            // copies of p_tables, and its declared tables, once recorded, are p_tables. The serializing lock is the
            // projection's registration key (AdvisoryLockKey.ForSlotRegistration), computed here; p_lock_key must equal it.
            $$"""
            CREATE OR REPLACE FUNCTION {{q}}.prepare_event_tables(p_projection text, p_generation text, p_tables text[], p_lock_key bigint)
            RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
            DECLARE
              v_key bigint;
              v_row {{q}}.projection_versions%ROWTYPE;
              v_live text;
              v_oid oid;
              t text;
            BEGIN
              IF p_projection IS NULL OR p_generation IS NULL OR p_projection !~ '^[a-z][a-z0-9_]{0,47}$' OR p_generation !~ '^v[1-9][0-9]{0,2}b?$' THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L (%L) is not a projection generation', p_projection, p_generation);
              END IF;
              v_key := ('x' || left(encode(sha256(convert_to('projectiongen/' || {{literal}} || '/' || p_projection || '/slots', 'UTF8')), 'hex'), 16))::bit(64)::bigint;
              IF p_lock_key IS DISTINCT FROM v_key THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s is not the registration lock key of projection %s', p_lock_key, p_projection);
              END IF;
              PERFORM pg_advisory_xact_lock(v_key);
              IF p_tables IS NULL OR cardinality(p_tables) = 0 OR array_position(p_tables, NULL) IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('projection %s declares no tables', p_projection);
              END IF;
              SELECT * INTO v_row FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation FOR UPDATE;
              IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('generation %s of projection %s is not registered', p_generation, p_projection);
              END IF;
              IF v_row.table_name IS DISTINCT FROM array_to_string(ARRAY(SELECT x || '_' || p_generation FROM unnest(p_tables) WITH ORDINALITY u(x, i) ORDER BY i), ', ')
                 OR (v_row.tables IS NOT NULL AND v_row.tables IS DISTINCT FROM p_tables) THEN
                RAISE EXCEPTION USING ERRCODE = '22023',
                  MESSAGE = format('generation %s of projection %s is not registered as an event projection declaring %s', p_generation, p_projection, array_to_string(p_tables, ', '));
              END IF;
              FOREACH t IN ARRAY p_tables LOOP
                IF t !~ '^[a-z][a-z0-9_]{0,47}$' OR t IN ({{reserved}}) THEN
                  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L cannot be a declared table of projection %s', t, p_projection);
                END IF;
                IF EXISTS (SELECT 1 FROM {{q}}.projection_versions v
                            WHERE v.projection <> p_projection
                              AND (v.projection = t OR t = ANY (v.tables) OR t = ANY (string_to_array(v.table_name, ', '))
                                   OR EXISTS (SELECT 1 FROM unnest(v.tables) o WHERE t ~ ('^' || o || '_v[1-9][0-9]{0,2}b?$')))) THEN
                  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('table %s declared by projection %s belongs to another projection', t, p_projection);
                END IF;
              END LOOP;
              UPDATE {{q}}.projection_versions v SET tables = p_tables
               WHERE v.projection = p_projection AND (v.generation = p_generation OR v.tables IS NULL);
              SELECT v.generation INTO v_live FROM {{q}}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live';
              v_live := coalesce(v_live, p_generation);
              FOREACH t IN ARRAY p_tables LOOP
                v_oid := to_regclass(format('%I.%I', {{literal}}, t));
                IF v_oid IS NULL THEN
                  RAISE EXCEPTION USING ERRCODE = '55000',
                    MESSAGE = format('table %I.%I, declared by projection %s, does not exist: create it before the projection runs', {{literal}}, t, p_projection);
                END IF;
                IF (SELECT c.relkind FROM pg_class c WHERE c.oid = v_oid) IN ('r', 'p') THEN
                  -- First versioning: the user's table becomes the live generation's copy, and a view of its name, which
                  -- readers and literal SQL keep using, takes its place, in this one transaction. Its serial sequences are
                  -- shared by every copy (their defaults), so no copy owns them.
                  EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', {{literal}}, t, t || '_' || v_live);
                  PERFORM {{q}}.release_owned_sequences(v_oid);
                  EXECUTE format('CREATE VIEW %I.%I AS SELECT * FROM %I.%I', {{literal}}, t, {{literal}}, t || '_' || v_live);
                  PERFORM {{q}}.copy_relation_grants(v_oid, t);
                END IF;
                IF to_regclass(format('%I.%I', {{literal}}, t || '_' || p_generation)) IS NULL THEN
                  v_oid := to_regclass(format('%I.%I', {{literal}}, t || '_' || v_live));
                  IF v_oid IS NULL THEN
                    RAISE EXCEPTION USING ERRCODE = '55000',
                      MESSAGE = format('table %I.%I of the live generation of projection %s is missing', {{literal}}, t || '_' || v_live, p_projection);
                  END IF;
                  EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', {{literal}}, t || '_' || p_generation, {{literal}}, t || '_' || v_live);
                  PERFORM {{q}}.copy_relation_grants(v_oid, t || '_' || p_generation);
                END IF;
              END LOOP;
            END
            $fn$
            """,
        ];
    }
}
