-- ProjectionGen schema version 9: versions of event projections: declared tables, prepare_event_tables, their views and the fenced switch.
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below. A function's later definition is a later step.
-- ProjectionGen: next statement
ALTER TABLE {schema}."projection_versions" ADD COLUMN IF NOT EXISTS tables text[]
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.copy_relation_grants(p_from oid, p_to text)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = p_from AND a.grantee <> c.relowner LOOP
    EXECUTE format('GRANT %s ON %I.%I TO %s', r.privilege_type, {schema_literal}, p_to,
                   CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END);
  END LOOP;
END
$fn$
-- ProjectionGen: next statement
REVOKE ALL ON FUNCTION {schema}.copy_relation_grants(oid, text) FROM PUBLIC
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.prepare_event_tables(p_projection text, p_generation text, p_tables text[], p_lock_key bigint)
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
    IF t !~ '^[a-z][a-z0-9_]{0,47}$' OR t IN ('events', 'events_seq', 'streams', 'progress', 'dead_letters', 'dead_letters_id_seq', 'schema_version', 'nodes', 'projection_history', 'projection_history_id_seq', 'projection_versions') THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L cannot be a declared table of projection %s', t, p_projection);
    END IF;
    IF EXISTS (SELECT 1 FROM {schema}.projection_versions v
                WHERE v.projection <> p_projection AND (v.projection = t OR t = ANY (v.tables) OR v.table_name = t)) THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('table %s declared by projection %s belongs to another projection', t, p_projection);
    END IF;
  END LOOP;
  UPDATE {schema}.projection_versions v SET tables = p_tables
   WHERE v.projection = p_projection AND (v.generation = p_generation OR v.tables IS NULL);
  SELECT v.generation INTO v_live FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live';
  v_live := coalesce(v_live, p_generation);
  FOREACH t IN ARRAY p_tables LOOP
    v_oid := to_regclass(format('%I.%I', {schema_literal}, t));
    IF v_oid IS NULL THEN
      RAISE EXCEPTION USING ERRCODE = '55000',
        MESSAGE = format('table %I.%I, declared by projection %s, does not exist: create it before the projection runs', {schema_literal}, t, p_projection);
    END IF;
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = v_oid) IN ('r', 'p') THEN
      -- First versioning: the user's table becomes the live generation's copy, and a view of its name, which
      -- readers and literal SQL keep using, takes its place, in this one transaction.
      EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', {schema_literal}, t, t || '_' || v_live);
      EXECUTE format('CREATE VIEW %I.%I AS SELECT * FROM %I.%I', {schema_literal}, t, {schema_literal}, t || '_' || v_live);
      PERFORM {schema}.copy_relation_grants(v_oid, t);
    END IF;
    IF to_regclass(format('%I.%I', {schema_literal}, t || '_' || p_generation)) IS NULL THEN
      v_oid := to_regclass(format('%I.%I', {schema_literal}, t || '_' || v_live));
      IF v_oid IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = '55000',
          MESSAGE = format('table %I.%I of the live generation of projection %s is missing', {schema_literal}, t || '_' || v_live, p_projection);
      END IF;
      EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', {schema_literal}, t || '_' || p_generation, {schema_literal}, t || '_' || v_live);
      PERFORM {schema}.copy_relation_grants(v_oid, t || '_' || p_generation);
    END IF;
  END LOOP;
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.set_projection_view(p_projection text)
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
    FROM {schema}.projection_versions WHERE projection = p_projection AND state = 'live';
  IF v_tables IS NOT NULL THEN
    -- A declared table that is still a plain table is converted by prepare_event_tables, not here.
    IF v_generation !~ '^v[1-9][0-9]{0,2}b?$' THEN
      RETURN;
    END IF;
    FOREACH t IN ARRAY v_tables LOOP
      IF t ~ '^[a-z][a-z0-9_]{0,47}$'
         AND (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(format('%I.%I', {schema_literal}, t))) = 'v'
         AND to_regclass(format('%I.%I', {schema_literal}, t || '_' || v_generation)) IS NOT NULL THEN
        EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT * FROM %I.%I', {schema_literal}, t, {schema_literal}, t || '_' || v_generation);
      END IF;
    END LOOP;
    RETURN;
  END IF;
  IF v_table IS NULL OR v_table !~ '^[a-z_][a-z0-9_]{0,62}$' OR to_regclass(format('%I.%I', {schema_literal}, v_table)) IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT id, data, last_seq, updated_at FROM %I.%I',
                 {schema_literal}, p_projection, {schema_literal}, v_table);
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.switch_version(
  p_projection text, p_generation text, p_slot text, p_epoch bigint,
  p_lock_pid integer, p_lock_backend_start timestamptz, p_lock_key bigint)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  v_target {schema}.projection_versions%ROWTYPE;
  v_live {schema}.projection_versions%ROWTYPE;
  v_epoch bigint;
  v_live_position bigint;
  v_target_position bigint;
  v_target_slots bigint;
BEGIN
  SELECT p.epoch INTO v_epoch FROM {schema}.progress p WHERE p.name = p_slot FOR UPDATE;
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
  SELECT * INTO v_target FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation FOR UPDATE;
  IF NOT FOUND OR v_target.state <> 'building' THEN
    RETURN format('generation %s is %s, not building', p_generation, coalesce(v_target.state, 'unknown'));
  END IF;
  SELECT * INTO v_live FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live' FOR UPDATE;
  IF FOUND THEN
    PERFORM 1 FROM {schema}.progress p WHERE p.projection = v_live.slot_key FOR UPDATE;
    SELECT max(p.position) INTO v_live_position FROM {schema}.progress p WHERE p.projection = v_live.slot_key;
  END IF;
  SELECT min(p.position), count(*) INTO v_target_position, v_target_slots FROM {schema}.progress p WHERE p.projection = v_target.slot_key;
  IF v_target_slots < v_target.shard_count THEN
    RETURN format('generation %s has %s of its %s slots', p_generation, v_target_slots, v_target.shard_count);
  END IF;
  IF v_target_position < coalesce(v_live_position, 0) THEN
    RETURN format('behind by %s', coalesce(v_live_position, 0) - v_target_position);
  END IF;
  UPDATE {schema}.projection_versions v SET state = 'kept' WHERE v.projection = p_projection AND v.state = 'live';
  UPDATE {schema}.projection_versions v SET state = 'live', switched_at = now()
   WHERE v.projection = p_projection AND v.generation = p_generation;
  IF v_live.tables IS NOT NULL THEN
    UPDATE {schema}.progress p SET epoch = p.epoch + 1, status = 'kept' WHERE p.projection = v_live.slot_key;
  END IF;
  PERFORM {schema}.set_projection_view(p_projection);
  RETURN NULL;
END
$fn$
