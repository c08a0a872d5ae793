-- ProjectionGen schema version 10: prepare_event_tables trusts no argument; first versioning releases the user's table's serial sequences.
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below. A function's later definition is a later step.
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.release_owned_sequences(p_table oid)
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
-- ProjectionGen: next statement
REVOKE ALL ON FUNCTION {schema}.release_owned_sequences(oid) FROM PUBLIC
-- ProjectionGen: next statement
DO $do$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT DISTINCT c.oid FROM {schema}.projection_versions v, unnest(v.tables) t, pg_class c
            WHERE c.relnamespace = {schema_literal}::regnamespace AND c.relkind IN ('r', 'p')
              AND c.relname ~ ('^' || t || '_v[1-9][0-9]{0,2}b?$') LOOP
    PERFORM {schema}.release_owned_sequences(r.oid);
  END LOOP;
END
$do$
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.prepare_event_tables(p_projection text, p_generation text, p_tables text[], p_lock_key bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  v_key bigint;
  v_row {schema}.projection_versions%ROWTYPE;
  v_live text;
  v_oid oid;
  t text;
BEGIN
  IF p_projection IS NULL OR p_generation IS NULL OR p_projection !~ '^[a-z][a-z0-9_]{0,47}$' OR p_generation !~ '^v[1-9][0-9]{0,2}b?$' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L (%L) is not a projection generation', p_projection, p_generation);
  END IF;
  v_key := ('x' || left(encode(sha256(convert_to('projectiongen/' || {schema_literal} || '/' || p_projection || '/slots', 'UTF8')), 'hex'), 16))::bit(64)::bigint;
  IF p_lock_key IS DISTINCT FROM v_key THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s is not the registration lock key of projection %s', p_lock_key, p_projection);
  END IF;
  PERFORM pg_advisory_xact_lock(v_key);
  IF p_tables IS NULL OR cardinality(p_tables) = 0 OR array_position(p_tables, NULL) IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('projection %s declares no tables', p_projection);
  END IF;
  SELECT * INTO v_row FROM {schema}.projection_versions v WHERE v.projection = p_projection AND v.generation = p_generation FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '55000', MESSAGE = format('generation %s of projection %s is not registered', p_generation, p_projection);
  END IF;
  IF v_row.table_name IS DISTINCT FROM array_to_string(ARRAY(SELECT x || '_' || p_generation FROM unnest(p_tables) WITH ORDINALITY u(x, i) ORDER BY i), ', ')
     OR (v_row.tables IS NOT NULL AND v_row.tables IS DISTINCT FROM p_tables) THEN
    RAISE EXCEPTION USING ERRCODE = '22023',
      MESSAGE = format('generation %s of projection %s is not registered as an event projection declaring %s', p_generation, p_projection, array_to_string(p_tables, ', '));
  END IF;
  FOREACH t IN ARRAY p_tables LOOP
    IF t !~ '^[a-z][a-z0-9_]{0,47}$' OR t IN ('events', 'events_seq', 'streams', 'progress', 'dead_letters', 'dead_letters_id_seq', 'schema_version', 'nodes', 'projection_history', 'projection_history_id_seq', 'projection_versions') THEN
      RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%L cannot be a declared table of projection %s', t, p_projection);
    END IF;
    IF EXISTS (SELECT 1 FROM {schema}.projection_versions v
                WHERE v.projection <> p_projection
                  AND (v.projection = t OR t = ANY (v.tables) OR t = ANY (string_to_array(v.table_name, ', '))
                       OR EXISTS (SELECT 1 FROM unnest(v.tables) o WHERE t ~ ('^' || o || '_v[1-9][0-9]{0,2}b?$')))) THEN
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
      -- readers and literal SQL keep using, takes its place, in this one transaction. Its serial sequences are
      -- shared by every copy (their defaults), so no copy owns them.
      EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', {schema_literal}, t, t || '_' || v_live);
      PERFORM {schema}.release_owned_sequences(v_oid);
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
