-- ProjectionGen schema version 8: projection_versions table, projection views and the fenced version switch.
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below. A function's later definition is a later step.
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."projection_versions" (
  projection text NOT NULL, generation text NOT NULL, version int NOT NULL, slot_key text NOT NULL,
  table_name text NOT NULL, shard_count int NOT NULL DEFAULT 1, state text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), build_started_at timestamptz, switched_at timestamptz,
  retired_at timestamptz, PRIMARY KEY (projection, generation))
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.set_projection_view(p_projection text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_table text;
BEGIN
  IF p_projection !~ '^[a-z][a-z0-9_]{0,47}$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L is not a projection name', p_projection);
  END IF;
  SELECT table_name INTO v_table FROM {schema}.projection_versions WHERE projection = p_projection AND state = 'live';
  IF v_table IS NULL OR v_table !~ '^[a-z_][a-z0-9_]{0,62}$' OR to_regclass(format('%I.%I', {schema_literal}, v_table)) IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT id, data, last_seq, updated_at FROM %I.%I',
                 {schema_literal}, p_projection, {schema_literal}, v_table);
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.register_version(
  p_projection text, p_generation text, p_version int, p_slot_key text, p_table text, p_shards int,
  p_original_table text, p_lock_key bigint)
RETURNS TABLE (state text, created boolean) LANGUAGE plpgsql AS $fn$
DECLARE
  v_state text;
  v_live_version int;
  v_created boolean := false;
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock_key);
  IF NOT EXISTS (SELECT 1 FROM {schema}.projection_versions v WHERE v.projection = p_projection)
     AND EXISTS (SELECT 1 FROM {schema}.progress p WHERE p.projection = p_projection) THEN
    INSERT INTO {schema}.projection_versions (projection, generation, version, slot_key, table_name, shard_count, state, switched_at)
    SELECT p_projection, 'v1', 1, p_projection, p_original_table, max(p.shard_count), 'live', now()
    FROM {schema}.progress p WHERE p.projection = p_projection;
  END IF;
  SELECT v.state INTO v_state FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation;
  IF NOT FOUND THEN
    SELECT v.version INTO v_live_version FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live';
    v_state := CASE WHEN v_live_version IS NULL THEN 'live' WHEN p_version > v_live_version THEN 'building' ELSE 'kept' END;
    INSERT INTO {schema}.projection_versions (projection, generation, version, slot_key, table_name, shard_count, state, build_started_at, switched_at)
    VALUES (p_projection, p_generation, p_version, p_slot_key, p_table, p_shards, v_state,
            CASE WHEN v_state = 'building' THEN now() END, CASE WHEN v_state = 'live' THEN now() END);
    v_created := true;
  END IF;
  IF to_regclass(format('%I.%I', {schema_literal}, p_projection)) IS NULL THEN
    PERFORM {schema}.set_projection_view(p_projection);
  END IF;
  RETURN QUERY SELECT v_state, v_created;
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
  PERFORM {schema}.set_projection_view(p_projection);
  RETURN NULL;
END
$fn$
