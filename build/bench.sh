#!/usr/bin/env bash
# ProjectionGen's benchmarks (issue 9) against throw-away local PostgreSQL servers: catch-up throughput against Marten's
# async daemon and the set-based SQL limit, guard cost, live latency, failover, peak memory, dispatch (BenchmarkDotNet)
# the event store's append throughput, and the cluster (issue 12): rebalance times, the coordination load of an idle
# cluster and the throughput of a sharded projection, and catch-up through PgBouncer in transaction mode against direct
# (issue 27, --only pooler; the run starts and stops its own pgbouncer), and databases per tenant (--only tenants:
# --tenant-databases N, default 300, x 4 projections over three node processes). Writes artifacts/bench/report.md, results.csv and
# catchup.png and prints the report. Takes about 20 minutes on a 2-core machine with the defaults (--only picks scenarios).
# Options are passed on (--smoke, --events N, --streams N, --trials N, --only catchup,guard ...; --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/ProjectionGen.Benchmarks -c Release -nologo -v quiet
dotnet run -c Release --no-build --project tests/ProjectionGen.Benchmarks -- "$@"
