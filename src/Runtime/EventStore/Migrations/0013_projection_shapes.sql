-- ProjectionGen schema version 13: projection shapes fenced across code versions (docs/cluster.md, "Shapes across code versions"; docs/operations.md, "Upgrading").
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below.
-- projection_shapes: per generation key (the projection's name for version 1, name@v2 for version 2), every shape a
-- node registered (its fingerprint, a sha256 of the sorted event type names it reads, and those names) with a sequence
-- that only grows: the highest is the newest shape. progress.required_shape (nullable: older libraries never see it)
-- names the newest shape's fingerprint on every slot row of both lanes of that generation.
-- register_shape(key, fingerprint, types, node, register): under the key's own transaction-level advisory lock and with
-- the generation's progress rows locked, returns 'current' (this shape is the newest), 'superseded' (a newer one is
-- registered; with its types), 'unregistered' (p_register off: read only) or, registering, 'registered' (a new newest
-- shape: the rows get required_shape and a new epoch in this transaction, so an older owner's next commit_progress
-- fails its epoch fence, PG002, and its acquisition's UPDATE, WHERE required_shape matches, finds no row) or 'refused'
-- (a new shape that handles types the newest did not, with events of those types at or below a slot's committed
-- position: they would never be applied; with those types and how many such events exist). The first shape of a key
-- is registered without that check (there is nothing to compare with) and answered 'first'. SECURITY DEFINER: the runtime role needs no
-- grant on projection_shapes.
-- forget_shapes(key): the rollback (an operator deploying the older build again): forgets every registered shape of the
-- key and clears required_shape under a new epoch; the next node to start registers its shape as the first.
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."projection_shapes" (
  projection text NOT NULL, seq bigint NOT NULL, fingerprint text NOT NULL, event_types text[] NOT NULL,
  registered_by text, registered_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, seq), UNIQUE (projection, fingerprint))
-- ProjectionGen: next statement
ALTER TABLE {schema}."progress" ADD COLUMN IF NOT EXISTS required_shape text
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.shape_slot_keys(p_key text)
RETURNS text[] LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $fn$
  SELECT ARRAY[p_key, CASE WHEN strpos(p_key, '@') > 0 THEN p_key || 'b' ELSE p_key || '@v1b' END]
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.register_shape(
  p_key text, p_fingerprint text, p_types text[], p_node text, p_register boolean)
RETURNS TABLE (status text, newest_types text[], events bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_keys text[];
  v_newest {schema}.projection_shapes%ROWTYPE;
  v_has_newest boolean;
  v_added text[];
  v_events bigint := 0;
BEGIN
  IF p_key IS NULL OR p_key !~ '^[a-z][a-z0-9_]{0,47}(@v[1-9][0-9]{0,2})?$'
     OR p_fingerprint IS NULL OR p_fingerprint !~ '^[0-9a-f]{64}$'
     OR p_types IS NULL OR array_position(p_types, NULL) IS NOT NULL OR p_register IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('%L (fingerprint %L) is not a projection shape', p_key, p_fingerprint);
  END IF;
  v_keys := {schema}.shape_slot_keys(p_key);
  PERFORM pg_advisory_xact_lock({schema}.registration_lock_key(p_key || '/shape'));
  SELECT * INTO v_newest FROM {schema}.projection_shapes s WHERE s.projection = p_key ORDER BY s.seq DESC LIMIT 1;
  v_has_newest := FOUND;
  IF v_has_newest AND v_newest.fingerprint = p_fingerprint THEN
    IF p_register THEN
      -- Rows made since (a first start, a rebuild's new rows, forget_shapes) get the shape, under a new epoch if they
      -- were ever owned (epoch 0: nobody to fence; an acquisition waiting on the row re-checks required_shape).
      UPDATE {schema}.progress p SET required_shape = p_fingerprint, epoch = CASE WHEN p.epoch = 0 THEN 0 ELSE p.epoch + 1 END
       WHERE p.projection = ANY (v_keys) AND p.required_shape IS DISTINCT FROM p_fingerprint;
    END IF;
    RETURN QUERY SELECT 'current'::text, v_newest.event_types, 0::bigint;
    RETURN;
  END IF;
  IF v_has_newest AND EXISTS (SELECT 1 FROM {schema}.projection_shapes s WHERE s.projection = p_key AND s.fingerprint = p_fingerprint) THEN
    RETURN QUERY SELECT 'superseded'::text, v_newest.event_types, 0::bigint;
    RETURN;
  END IF;
  IF NOT p_register THEN
    RETURN QUERY SELECT (CASE WHEN v_has_newest THEN 'unregistered' ELSE 'current' END)::text, v_newest.event_types, 0::bigint;
    RETURN;
  END IF;
  -- The rows' positions cannot move while this transaction holds them (a commit waits, then fails its epoch fence).
  PERFORM 1 FROM {schema}.progress p WHERE p.projection = ANY (v_keys) ORDER BY p.name FOR UPDATE;
  IF v_has_newest THEN
    v_added := ARRAY(SELECT DISTINCT t FROM unnest(p_types) t WHERE NOT (t = ANY (v_newest.event_types)) ORDER BY t);
    IF cardinality(v_added) > 0 THEN
      SELECT count(*) INTO v_events FROM {schema}.events e
       WHERE e.type = ANY (v_added)
         AND e.seq <= (SELECT coalesce(max(p.position), 0) FROM {schema}.progress p WHERE p.projection = ANY (v_keys))
         AND EXISTS (SELECT 1 FROM {schema}.progress p
                      WHERE p.projection = ANY (v_keys) AND e.seq <= p.position
                        AND (p.shard_count = 1 OR e.stream_hash % p.shard_count = p.shard));
      IF v_events > 0 THEN
        RETURN QUERY SELECT 'refused'::text, v_added, v_events;
        RETURN;
      END IF;
    END IF;
  END IF;
  INSERT INTO {schema}.projection_shapes (projection, seq, fingerprint, event_types, registered_by)
  VALUES (p_key, CASE WHEN v_has_newest THEN v_newest.seq + 1 ELSE 1 END, p_fingerprint, p_types, p_node);
  UPDATE {schema}.progress p SET required_shape = p_fingerprint, epoch = CASE WHEN p.epoch = 0 THEN 0 ELSE p.epoch + 1 END
   WHERE p.projection = ANY (v_keys) AND p.required_shape IS DISTINCT FROM p_fingerprint;
  RETURN QUERY SELECT (CASE WHEN v_has_newest THEN 'registered' ELSE 'first' END)::text, coalesce(v_added, p_types), 0::bigint;
END
$fn$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.forget_shapes(p_key text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_forgotten bigint;
BEGIN
  IF p_key IS NULL OR p_key !~ '^[a-z][a-z0-9_]{0,47}(@v[1-9][0-9]{0,2})?$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L is not a projection generation key', p_key);
  END IF;
  PERFORM pg_advisory_xact_lock({schema}.registration_lock_key(p_key || '/shape'));
  DELETE FROM {schema}.projection_shapes s WHERE s.projection = p_key;
  GET DIAGNOSTICS v_forgotten = ROW_COUNT;
  UPDATE {schema}.progress p SET required_shape = NULL, epoch = p.epoch + 1
   WHERE p.projection = ANY ({schema}.shape_slot_keys(p_key)) AND p.required_shape IS NOT NULL;
  RETURN v_forgotten;
END
$fn$
-- ProjectionGen: next statement
REVOKE ALL ON FUNCTION {schema}.register_shape(text, text, text[], text, boolean) FROM PUBLIC
-- ProjectionGen: next statement
REVOKE ALL ON FUNCTION {schema}.forget_shapes(text) FROM PUBLIC
-- ProjectionGen: next statement
DO $do$
DECLARE
  r record;
BEGIN
  -- The roles that may register versions (the runtime roles of docs/operations.md, "Least privilege") may register shapes.
  FOR r IN SELECT DISTINCT a.grantee FROM pg_proc f, aclexplode(f.proacl) a
            WHERE f.oid = '{schema}.register_version(text, text, integer, text, text, integer, text, bigint)'::regprocedure
              AND a.grantee <> 0 AND a.grantee <> f.proowner AND a.privilege_type = 'EXECUTE' LOOP
    EXECUTE format('GRANT EXECUTE ON FUNCTION %s.register_shape(text, text, text[], text, boolean) TO %s', '{schema}', quote_ident(pg_get_userbyid(r.grantee)));
  END LOOP;
END
$do$
