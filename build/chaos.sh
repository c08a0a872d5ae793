#!/usr/bin/env bash
# The fault-injection suite: build/chaos.sh [--minutes N] [--seed S] [--faults KIND ...] [--projections SPEC] [--unfenced] [--pooler] [--tenants N]
# Starts PostgreSQL from local binaries, 3 daemon node processes (and a spare) and writers, injects seeded faults
# (server, connection, node, membership: join, leave, drain, hung node), then checks the invariants (docs/chaos.md) and
# writes artifacts/chaos/<run>/report.md. Exit code 0 only with zero invariant violations. --pooler: batches and appends
# through a PgBouncer in transaction mode (needs pgbouncer), locks direct, plus the pooler faults (docs/chaos.md).
# --tenants N: N tenant databases over two servers run by a TenantDatabaseNode on every node, the tenant faults (added,
# removed, re-added, tenant server down), every invariant checked per tenant database (docs/chaos.md, "Tenant mode").
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/ProjectionGen.Chaos -c Release -nologo -v quiet
exec dotnet tests/ProjectionGen.Chaos/bin/Release/net10.0/ProjectionGen.Chaos.dll run "$@"
