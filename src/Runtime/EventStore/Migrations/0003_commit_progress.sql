-- ProjectionGen schema version 3: commit_progress function (the daemon's fenced commit and lock guard).
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below. A function's later definition is a later step.
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
  IF p_check_lock AND NOT EXISTS (
       SELECT 1 FROM pg_locks l, pg_stat_get_activity(p_lock_pid) a
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ((p_lock_key >> 32) & 4294967295)::oid
          AND l.objid = (p_lock_key & 4294967295)::oid
          AND l.pid = p_lock_pid AND a.backend_start = p_lock_backend_start) THEN
    RAISE EXCEPTION USING ERRCODE = 'PG001',
      MESSAGE = format('the lock of projection %s is no longer held by backend %s', p_name, p_lock_pid);
  END IF;
END
$fn$;
