-- ProjectionGen schema version 7: projection_history table (acquisitions, moves, losses, rebuilds; the dashboard's timeline).
-- Released: never edit (append a new version instead). {schema} is the quoted schema, {schema_literal} its name as a
-- string literal; statements are separated by the line below.
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."projection_history" (
  id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), kind text NOT NULL, projection text NOT NULL,
  node text, epoch bigint, position bigint, detail text)
-- ProjectionGen: next statement
CREATE INDEX IF NOT EXISTS projection_history_at ON {schema}."projection_history" (at)
