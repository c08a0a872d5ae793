#!/usr/bin/env bash
# Packs ProjectionGen (runtime + generator/analyzers/code fix), ProjectionGen.Dashboard, ProjectionGen.Testing, ProjectionGen.CommandLine and the projectiongen tool (ProjectionGen.Tool) into artifacts/packages.
# Usage: build/pack.sh [output-folder] [extra msbuild arguments, e.g. -p:Version=1.2.3]
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-artifacts/packages}
shift || true
mkdir -p "$output"
for project in src/Runtime/ProjectionGen.csproj src/Dashboard/ProjectionGen.Dashboard.csproj src/Testing/ProjectionGen.Testing.csproj src/CommandLine/ProjectionGen.CommandLine.csproj src/Tool/ProjectionGen.Tool.csproj; do
  dotnet pack "$project" -c Release -nologo -v quiet -o "$output" "$@"
done
ls -1 "$output"
