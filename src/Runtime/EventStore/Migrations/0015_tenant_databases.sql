-- ProjectionGen schema version 15: the master table of the databases per tenant, tenant_databases (docs/tenancy.md, "Databases per tenant").
-- Released: never edit (append a new version instead). {schema} is the quoted schema; statements are separated by the
-- line below.
-- Expand only (docs/operations.md, "Upgrading"): a new table nothing older reads. Operators add and remove rows while
-- nodes run; a node reading this table as its tenant source (MasterTableTenantSource) starts a daemon over each row's
-- database and stops it when the row is removed. The runtime role needs SELECT on it (docs/operations.md,
-- "Least privilege"); the connection strings in it are secrets: grant nothing more, and to no other role.
-- ProjectionGen: next statement
CREATE TABLE IF NOT EXISTS {schema}."tenant_databases" (
  tenant_id text PRIMARY KEY,
  connection_string text NOT NULL,
  added_at timestamptz NOT NULL DEFAULT now())
