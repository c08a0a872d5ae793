-- ProjectionGen schema version 14: conjoined tenancy: streams identified by (tenant, stream id), append_tenant_events, event uniqueness per (stream id, version, tenant), projection views with the tenant column (docs/tenancy.md).
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal, {append_marker_key} the append marker's advisory-lock key, {append_marker_setting} the setting that
-- marks an appending transaction, {notification_channel} the channel notified on commit; statements are separated by
-- the line below.
-- Expand only (docs/operations.md, "Upgrading"): the streams table and append_events stay as they are, so an older
-- node's appends and reads keep working. A conjoined store's streams live in tenant_streams, keyed by (tenant, id),
-- and are appended by append_tenant_events, which follows append_events' protocol exactly (the shared append marker
-- first, then the stream row lock, then the transaction id and the mark, and only then the sequence numbers;
-- docs/daemon.md, "Why it is safe"). The events' uniqueness moves from (stream_id, version) to
-- (stream_id, version, tenant_id) with NULLs not distinct (PostgreSQL 15+): a stream without a tenant keeps exactly one
-- event per version; two tenants may each have a stream of the same id. On a large store build the index beforehand
-- with CREATE UNIQUE INDEX CONCURRENTLY (same name and definition, docs/operations.md).
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."tenant_streams" (
  tenant_id text NOT NULL, id text NOT NULL, type text, version bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id))
-- ProjectionGen: next statement
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_version_tenant ON {schema}."events" (stream_id, version, tenant_id) NULLS NOT DISTINCT
-- ProjectionGen: next statement
ALTER TABLE {schema}."events" DROP CONSTRAINT IF EXISTS events_stream_version
-- ProjectionGen: next statement
CREATE OR REPLACE FUNCTION {schema}.append_tenant_events(
  p_tenant_id text, p_stream_id text, p_stream_type text, p_expected bigint, p_types text[], p_data jsonb[],
  p_correlation_id text, p_causation_id text)
RETURNS TABLE (first_seq bigint, last_seq bigint, new_version bigint)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_current bigint;
  v_count bigint := cardinality(p_types);
  v_first bigint;
  v_last bigint;
BEGIN
  IF p_tenant_id IS NULL OR p_tenant_id = '' THEN
    RAISE EXCEPTION 'append_tenant_events needs a tenant id' USING ERRCODE = '22023';
  END IF;
  IF v_count IS NULL OR v_count = 0 OR cardinality(p_data) IS DISTINCT FROM v_count THEN
    RAISE EXCEPTION 'append_events needs one or more events with one body each' USING ERRCODE = '22023';
  END IF;
  PERFORM pg_advisory_xact_lock_shared({append_marker_key});
  SELECT version INTO v_current FROM {schema}."tenant_streams" WHERE tenant_id = p_tenant_id AND id = p_stream_id FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO {schema}."tenant_streams" (tenant_id, id, type, version) VALUES (p_tenant_id, p_stream_id, p_stream_type, 0) ON CONFLICT (tenant_id, id) DO NOTHING;
    IF FOUND THEN
      v_current := 0;
    ELSE
      SELECT version INTO v_current FROM {schema}."tenant_streams" WHERE tenant_id = p_tenant_id AND id = p_stream_id FOR UPDATE;
    END IF;
  END IF;
  IF p_expected IS NOT NULL AND p_expected <> v_current THEN
    RAISE EXCEPTION 'stream is at version %, expected %', v_current, p_expected
      USING ERRCODE = 'PGC01', HINT = v_current::text;
  END IF;
  PERFORM pg_current_xact_id();
  PERFORM set_config('{append_marker_setting}', 'on', true);
  WITH inserted AS (
    INSERT INTO {schema}."events" (seq, stream_id, version, type, data, correlation_id, causation_id, tenant_id)
    SELECT nextval('{schema}."events_seq"'), p_stream_id, v_current + e.ord, e.type, e.data, p_correlation_id, p_causation_id, p_tenant_id
    FROM unnest(p_types, p_data) WITH ORDINALITY AS e(type, data, ord)
    RETURNING seq)
  SELECT min(seq), max(seq) INTO v_first, v_last FROM inserted;
  UPDATE {schema}."tenant_streams" SET version = v_current + v_count, updated_at = now() WHERE tenant_id = p_tenant_id AND id = p_stream_id;
  PERFORM pg_notify('{notification_channel}', v_last::text);
  RETURN QUERY SELECT v_first, v_last, v_current + v_count;
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
  -- A conjoined store's document table has a tenant column: the view shows it last (a view may only gain columns at
  -- its end), so that readers of the view tell two tenants' documents of the same id apart (docs/tenancy.md).
  IF EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = to_regclass(format('%I.%I', {schema_literal}, v_table))
                AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped) THEN
    EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT id, data, last_seq, updated_at, tenant_id FROM %I.%I',
                   {schema_literal}, p_projection, {schema_literal}, v_table);
  ELSE
    EXECUTE format('CREATE OR REPLACE VIEW %I.%I AS SELECT id, data, last_seq, updated_at FROM %I.%I',
                   {schema_literal}, p_projection, {schema_literal}, v_table);
  END IF;
END
$fn$
