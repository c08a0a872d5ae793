-- ProjectionGen schema version 11: one lock check (holds_slot_lock) for the fenced commit and switch; the runtime role writes projection_versions only through register_version and switch_generation, SECURITY DEFINER (docs/operations.md).
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below.
-- holds_slot_lock(pid, backend_start, key): whether the session of that pid, started at that time (a reused pid is
-- another session), holds advisory lock key (Locking/SlotLockQuery.cs reads pg_locks the same way). The fenced commit
-- (commit_progress) and the fenced switch (switch_version) call it.
-- commit_progress: the fenced update runs first: under READ COMMITTED a concurrent epoch bump and this update contend
-- for the same row lock, and whichever waits re-checks its WHERE clause against the newest row version, so a deposed
-- owner matches zero rows (docs/daemon.md, "Why it is safe"). Only then is the lock checked, so that a stale owner is
-- reported as superseded rather than as a mere lock loss. Any RAISE rolls back the batch's whole implicit transaction.
-- generation_slots, keep_generation_slots, lock_slot_epoch: how the versions' SQL reads and fences progress rows (a
-- generation's slots, optionally locked first; the fence of a replaced generation's slots, a new epoch and the status
-- 'kept', docs/versions.md "Event projections"; a slot's epoch with its row locked, the switch's fence). They run with
-- their caller's privileges.
-- register_version becomes SECURITY DEFINER and checks what it registers; the switch's state change moves into
-- switch_generation, also SECURITY DEFINER, which switch_version calls after its fence (the caller's epoch and
-- holds_slot_lock); the direct INSERT, UPDATE and DELETE grants on projection_versions are revoked from every role that
-- had them, which get EXECUTE on the two functions instead (docs/operations.md, "Least privilege").
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.holds_slot_lock(p_pid integer, p_backend_start timestamptz, p_key bigint)
RETURNS boolean LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT EXISTS (
    SELECT 1 FROM pg_locks l, pg_stat_get_activity(p_pid) a
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
  AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = current_database())
       AND l.classid = ((p_key >> 32) & 4294967295)::oid
       AND l.objid = (p_key & 4294967295)::oid
       AND l.pid = p_pid AND a.backend_start = p_backend_start)
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.commit_progress(
  p_name text, p_epoch bigint, p_from bigint, p_to bigint,
  p_lock_pid integer, p_lock_backend_start timestamptz, p_lock_key bigint, p_check_lock boolean)
RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  current_epoch bigint;
  current_position bigint;
BEGIN
  UPDATE {schema}.progress
     SET position = p_to, last_commit_at = now()
   WHERE name = p_name AND epoch = p_epoch AND position = p_from;
  IF NOT FOUND THEN
    SELECT epoch, position INTO current_epoch, current_position FROM {schema}.progress WHERE name = p_name;
    IF current_epoch IS DISTINCT FROM p_epoch THEN
      RAISE EXCEPTION USING ERRCODE = 'PG002',
        MESSAGE = format('epoch %s of projection %s was superseded by epoch %s', p_epoch, p_name, current_epoch);
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'PG003',
      MESSAGE = format('projection %s is at position %s, not %s', p_name, current_position, p_from);
  END IF;
  IF p_check_lock AND NOT {schema}.holds_slot_lock(p_lock_pid, p_lock_backend_start, p_lock_key) THEN
    RAISE EXCEPTION USING ERRCODE = 'PG001',
      MESSAGE = format('the lock of projection %s is no longer held by backend %s', p_name, p_lock_pid);
  END IF;
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.generation_slots(p_slot_key text, p_lock boolean)
RETURNS TABLE (min_position bigint, max_position bigint, slots bigint, max_shard_count int)
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  IF p_lock THEN
    PERFORM 1 FROM {schema}.progress p WHERE p.projection = p_slot_key FOR UPDATE;
  END IF;
  RETURN QUERY SELECT min(p.position), max(p.position), count(*), max(p.shard_count) FROM {schema}.progress p WHERE p.projection = p_slot_key;
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.keep_generation_slots(p_slot_key text)
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  UPDATE {schema}.progress p SET epoch = p.epoch + 1, status = 'kept' WHERE p.projection = p_slot_key
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.lock_slot_epoch(p_slot text)
RETURNS bigint LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT p.epoch FROM {schema}.progress p WHERE p.name = p_slot FOR UPDATE
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.registration_lock_key(p_projection text)
RETURNS bigint LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT ('x' || left(encode(sha256(convert_to('projectiongen/' || {schema_literal} || '/' || p_projection || '/slots', 'UTF8')), 'hex'), 16))::bit(64)::bigint
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.register_version(
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
  IF p_lock_key IS DISTINCT FROM {schema}.registration_lock_key(p_projection) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s is not the registration lock key of projection %s', p_lock_key, p_projection);
  END IF;
  PERFORM pg_advisory_xact_lock(p_lock_key);
  FOREACH t IN ARRAY string_to_array(p_table, ', ') LOOP
    CONTINUE WHEN right(t, length(p_generation) + 1) <> '_' || p_generation;
    v_base := left(t, length(t) - length(p_generation) - 1);
    v_oid := to_regclass(format('%I.%I', {schema_literal}, v_base));
    IF v_oid IS NOT NULL AND (SELECT c.relkind FROM pg_class c WHERE c.oid = v_oid) IN ('r', 'p')
       AND NOT EXISTS (SELECT 1 FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v_base = ANY (v.tables))
       AND NOT has_table_privilege(v_caller, v_oid, 'INSERT') THEN
      RAISE EXCEPTION USING ERRCODE = '42501',
        MESSAGE = format('role %s may not insert into table %I.%I, so it cannot register it as a table of projection %s', v_caller, {schema_literal}, v_base, p_projection);
    END IF;
  END LOOP;
  IF NOT EXISTS (SELECT 1 FROM {schema}.projection_versions v WHERE v.projection = p_projection) THEN
    SELECT g.slots, g.max_shard_count INTO v_slots, v_shards FROM {schema}.generation_slots(p_projection, false) g;
    IF v_slots > 0 THEN
      INSERT INTO {schema}.projection_versions (projection, generation, version, slot_key, table_name, shard_count, state, switched_at)
      VALUES (p_projection, 'v1', 1, p_projection, p_original_table, v_shards, 'live', now());
    END IF;
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
CREATE OR REPLACE FUNCTION {schema}.switch_generation(p_projection text, p_generation text)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_target {schema}.projection_versions%ROWTYPE;
  v_live {schema}.projection_versions%ROWTYPE;
  v_live_position bigint;
  v_target_position bigint;
  v_target_slots bigint;
BEGIN
  SELECT * INTO v_target FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation FOR UPDATE;
  IF NOT FOUND OR v_target.state <> 'building' THEN
    RETURN format('generation %s is %s, not building', p_generation, coalesce(v_target.state, 'unknown'));
  END IF;
  SELECT * INTO v_live FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.state = 'live' FOR UPDATE;
  IF FOUND THEN
    SELECT g.max_position INTO v_live_position FROM {schema}.generation_slots(v_live.slot_key, true) g;
  END IF;
  SELECT g.min_position, g.slots INTO v_target_position, v_target_slots FROM {schema}.generation_slots(v_target.slot_key, false) g;
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
    PERFORM {schema}.keep_generation_slots(v_live.slot_key);
  END IF;
  PERFORM {schema}.set_projection_view(p_projection);
  RETURN NULL;
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.switch_version(
  p_projection text, p_generation text, p_slot text, p_epoch bigint,
  p_lock_pid integer, p_lock_backend_start timestamptz, p_lock_key bigint)
RETURNS text LANGUAGE plpgsql AS $fn$
DECLARE
  v_epoch bigint;
BEGIN
  v_epoch := {schema}.lock_slot_epoch(p_slot);
  IF v_epoch IS DISTINCT FROM p_epoch THEN
    RAISE EXCEPTION USING ERRCODE = 'PG002',
      MESSAGE = format('epoch %s of projection %s was superseded by epoch %s', p_epoch, p_slot, v_epoch);
  END IF;
  IF NOT {schema}.holds_slot_lock(p_lock_pid, p_lock_backend_start, p_lock_key) THEN
    RAISE EXCEPTION USING ERRCODE = 'PG001',
      MESSAGE = format('the lock of projection %s is no longer held by backend %s', p_slot, p_lock_pid);
  END IF;
  RETURN {schema}.switch_generation(p_projection, p_generation);
END
$fn$
-- ProjectionGen: next statement
REVOKE ALL ON FUNCTION {schema}.register_version(text, text, integer, text, text, integer, text, bigint) FROM PUBLIC
-- ProjectionGen: next statement
REVOKE ALL ON FUNCTION {schema}.switch_generation(text, text) FROM PUBLIC
-- ProjectionGen: next statement
DO $do$
DECLARE
  r record;
  v_role text;
BEGIN
  FOR r IN SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = '{schema}.projection_versions'::regclass AND a.grantee <> c.relowner
              AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE') LOOP
    v_role := CASE WHEN r.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r.grantee)) END;
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON TABLE %s FROM %s', '{schema}.projection_versions', v_role);
    IF r.grantee <> 0 THEN
      EXECUTE format('GRANT EXECUTE ON FUNCTION %s.register_version(text, text, integer, text, text, integer, text, bigint), %s.switch_generation(text, text) TO %s',
                     '{schema}', '{schema}', v_role);
    END IF;
  END LOOP;
END
$do$
