#!/usr/bin/env bash
# Append throughput of the event store against a throw-away local PostgreSQL server, printed as a table.
# Arguments are passed on: --durable (fsync=on), --scale N (more appends).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project tests/ProjectionGen.Benchmarks -- "$@"
