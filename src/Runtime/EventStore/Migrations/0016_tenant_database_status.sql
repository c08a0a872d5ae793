-- ProjectionGen schema version 16: tenant_database_status, where the nodes running databases per tenant publish each
-- tenant database's state for the dashboard and the operator (docs/tenancy.md, "The tenant status board").
-- Released: never edit (append a new version instead). {schema} is the quoted schema; statements are separated by the
-- line below.
-- Expand only (docs/operations.md, "Upgrading"): a new table nothing older reads. A row per tenant database that a node
-- runs, written by that node (TenantStatusBoard) in the master database; no connection string is ever stored here. The
-- runtime role needs SELECT, INSERT, UPDATE, DELETE on it (docs/operations.md, "Least privilege").
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."tenant_database_status" (
  tenant_id text PRIMARY KEY,
  node text NOT NULL,
  status text NOT NULL,
  error text,
  failed_starts int NOT NULL DEFAULT 0,
  since timestamptz NOT NULL,
  high_water_mark bigint,
  slots jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now())
