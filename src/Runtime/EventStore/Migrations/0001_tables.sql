-- ProjectionGen schema version 1: streams, events, progress, dead letters.
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below.
-- The events sequence has CACHE 1, which keeps nextval monotonic across sessions: the safe high-water mark relies on it.
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."streams" (
  id text PRIMARY KEY, type text, version bigint NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())
-- ProjectionGen: next statement
CREATE SEQUENCE IF NOT EXISTS {schema}."events_seq" AS bigint CACHE 1
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."events" (
  seq bigint PRIMARY KEY, stream_id text NOT NULL, version bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL,
  "timestamp" timestamptz NOT NULL DEFAULT now(), correlation_id text, causation_id text, tenant_id text,
  CONSTRAINT events_stream_version UNIQUE (stream_id, version))
-- ProjectionGen: next statement
ALTER SEQUENCE {schema}."events_seq" OWNED BY {schema}."events".seq
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."progress" (
  name text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, epoch bigint NOT NULL DEFAULT 0, owner text,
  owner_since timestamptz, last_commit_at timestamptz, status text NOT NULL DEFAULT 'idle',
  last_loss_cause text, last_loss_at timestamptz)
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."dead_letters" (
  id bigserial PRIMARY KEY, projection text NOT NULL, seq bigint NOT NULL, stream_id text NOT NULL, event_type text NOT NULL,
  epoch bigint, node text, reason text NOT NULL, exception text, attempts int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now())
-- ProjectionGen: next statement
CREATE INDEX IF NOT EXISTS dead_letters_projection_seq ON {schema}."dead_letters" (projection, seq)
