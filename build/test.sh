#!/usr/bin/env bash
# The one command that runs every test: restores, builds and runs each test project, then prints
# "N passed, N failed, N skipped" summed over all of them as its last line. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
configuration=${CONFIGURATION:-Release}
results="$root/artifacts/test-results"

find_pg_bin() {
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

if [ -z "${PROJECTIONGEN_TEST_CONNECTION:-}" ] && ! find_pg_bin; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    echo "PostgreSQL server binaries not found: installing Debian's postgresql package..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
      || { echo "apt-get install postgresql failed"; echo "0 passed, 1 failed"; exit 1; }
    # The package starts a cluster of its own; the tests start ephemeral clusters and do not need it.
    service postgresql stop >/dev/null 2>&1 || true
  else
    echo "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin."
    echo "Install them (Debian/Ubuntu: sudo apt-get install postgresql; Fedora: sudo dnf install postgresql-server),"
    echo "or point PROJECTIONGEN_TEST_CONNECTION at an existing server (fault tests are then skipped)."
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

if [ -z "${PROJECTIONGEN_TEST_CONNECTION:-}" ] && [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  # PostgreSQL refuses to run as root; the harness runs it as this unprivileged account.
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

if ! command -v pgbouncer >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
  # The daemon's pooling-proxy refusal is tested against a real pgbouncer in transaction mode.
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null \
    && (service pgbouncer stop >/dev/null 2>&1 || true)) || echo "warning: pgbouncer could not be installed; its test will say so"
fi

find_rabbitmq() {
  command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || [ -x /usr/sbin/rabbitmq-server ]
}
if ! find_rabbitmq && [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
  # ProjectionGen.Testing's RabbitMqServer starts private brokers from Debian's rabbitmq-server (docs/testing.md). The
  # package's own broker (a service, which may start on install) is never used: stop it and keep it from starting.
  echo "rabbitmq-server not found: installing Debian's rabbitmq-server package..."
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null; then
    if [ -d /run/systemd/system ]; then
      systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
    else
      update-rc.d rabbitmq-server disable >/dev/null 2>&1 || true
      # Only when it runs: the init script's stop starts an epmd (on the default port) to ask a broker that is not there.
      if pgrep -u rabbitmq -x beam.smp >/dev/null 2>&1; then
        service rabbitmq-server stop >/dev/null 2>&1 || true
      fi
    fi
  else
    echo "warning: rabbitmq-server could not be installed; the RabbitMQ tests will fail saying how to install it"
  fi
fi

if { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; } && [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
  # The dashboard's browser tests drive Debian's headless Chromium through its chromedriver (never a downloaded browser).
  echo "chromium or chromedriver not found: installing Debian's chromium and chromium-driver packages..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
    || echo "warning: chromium could not be installed; the dashboard's browser tests will say so"
fi

echo "== build ($configuration)"
if ! dotnet build ProjectionGen.sln -c "$configuration" -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

rm -rf "$results"
mkdir -p "$results"

# Two phases: the node-process tests whose checks include balance and takeover times (the cluster tests and the chaos
# profile, docs/testing.md) run after the rest, so that the rest of the suite's load cannot stretch a .NET process start
# past their bounds. Each phase is a solution filter over the solution's test projects, its projects run in parallel.
timed='^tests/(ProjectionGen\.Cluster\.Tests|ProjectionGen\.Chaos\.Tests)/'
write_filter() { # $1 the filter file; $2 -v for every test project but the timed ones, nothing for the timed ones
  local projects
  projects=$(dotnet sln ProjectionGen.sln list | grep '^tests/.*Tests\.csproj$' | grep ${2:-} -E "$timed" | sed 's/.*/"&"/' | paste -sd, -)
  printf '{"solution":{"path":"../ProjectionGen.sln","projects":[%s]}}\n' "$projects" > "$1"
}
write_filter artifacts/tests-first.slnf -v
write_filter artifacts/tests-timed.slnf

test_exit=0
for phase in first timed; do
  echo "== test ($phase)"
  dotnet test "artifacts/tests-$phase.slnf" -c "$configuration" --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" --blame-hang-timeout 10m || test_exit=$?
done

passed=0; failed=0; skipped=0; runs=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  runs=$((runs + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout); a=$(get aborted)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

# The failed tests again, by name, just above the summary: a long log is often read from its end.
failed_names=$(grep -ho '<UnitTestResult [^>]*outcome="\(Failed\|Error\|Timeout\|Aborted\)"[^>]*>' "$results"/*.trx 2>/dev/null \
  | sed -n 's/.* testName="\([^"]*\)".*/\1/p' || true)
if [ -n "$failed_names" ]; then
  echo "== failed tests"
  echo "$failed_names" | sed 's/&quot;/"/g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g; s/^/  /'
fi

projects=$(dotnet sln ProjectionGen.sln list | grep -c '^tests/.*Tests.csproj$' || true)
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # A crashed or aborted test host writes no failed result; count the broken run rather than report green.
  echo "dotnet test exited with $test_exit but no failed test was recorded: counting the aborted run as a failure"
  failed=1
fi
if [ "$runs" -lt "$projects" ]; then
  echo "only $runs of $projects test projects wrote results"
  failed=$((failed + projects - runs))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
