#!/usr/bin/env bash
# The fault-injection suite: build/chaos.sh [--minutes N] [--seed S] [--unfenced]
# Starts PostgreSQL from local binaries, 3 daemon node processes and writers, injects seeded faults, then checks the
# invariants and writes artifacts/chaos/<run>/report.md. Exit code 0 only with zero invariant violations.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/ProjectionGen.Chaos -c Release -nologo -v quiet
exec dotnet tests/ProjectionGen.Chaos/bin/Release/net10.0/ProjectionGen.Chaos.dll run "$@"
