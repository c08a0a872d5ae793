-- ProjectionGen schema version 4: cluster: slot columns on progress, node registry, stream hash for shards.
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below.
-- stream_hash is a stable, non-negative 31-bit hash of the stream id (the first 32 bits of its MD5), computed by the
-- server for every row however it is written, so that shard membership never depends on a client's hash function.
-- ProjectionGen: next statement
ALTER TABLE {schema}."progress" ADD COLUMN IF NOT EXISTS projection text, ADD COLUMN IF NOT EXISTS shard int NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS shard_count int NOT NULL DEFAULT 1
-- ProjectionGen: next statement
UPDATE {schema}."progress" SET projection = name WHERE projection IS NULL
-- ProjectionGen: next statement
ALTER TABLE {schema}."progress" ALTER COLUMN projection SET NOT NULL
-- ProjectionGen: next statement
CREATE INDEX IF NOT EXISTS progress_projection ON {schema}."progress" (projection)
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."nodes" (
  name text PRIMARY KEY, lock_pid integer NOT NULL, lock_backend_start timestamptz, version text,
  projections text[] NOT NULL DEFAULT ARRAY[]::text[], tags text[] NOT NULL DEFAULT ARRAY[]::text[], capacity integer,
  draining boolean NOT NULL DEFAULT false, started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(), slots_owned integer NOT NULL DEFAULT 0)
-- ProjectionGen: next statement
ALTER TABLE {schema}."events" ADD COLUMN IF NOT EXISTS stream_hash integer
  GENERATED ALWAYS AS ((('x' || substr(md5(stream_id), 1, 8))::bit(32)::integer) & 2147483647) STORED
