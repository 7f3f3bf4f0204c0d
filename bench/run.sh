#!/usr/bin/env bash
# Runs every benchmark under bench/ and prints their figures beside their ceilings and
# budgets. `make bench` (release builds, full sizes) or `make bench-smoke` (BENCH_SMOKE=1:
# debug builds, tiny sizes, proves the benchmarks still build and run; under a minute
# once built). Results: bench/results/<name>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
only=${1:-}
# NAME-postgres: bench/NAME.sh on PostgreSQL (a throwaway durable cluster): ingest through
# one and two servers on one database, the dashboards, the export; the soak with two servers.
benches=(ingest ingest-postgres dashboards dashboards-postgres export export-postgres bundle soak soak-postgres)
failed=()
for b in "${benches[@]}"; do
  [ -n "$only" ] && [ "$only" != "$b" ] && continue
  case $b in
    soak-postgres) run=(env SOAK_POSTGRES=1 bench/soak.sh) ;;
    *-postgres) run=(env BENCH_POSTGRES=1 "bench/${b%-postgres}.sh") ;;
    *) run=("bench/$b.sh") ;;
  esac
  [ -x "${run[-1]}" ] || { echo "${run[-1]} is not written yet: skipped" >&2; continue; }
  echo "=== $b ==="
  start=$(date +%s)
  if ! "${run[@]}"; then
    failed+=("$b")
  fi
  echo "($b took $(( $(date +%s) - start )) s)"
done
python3 bench/report.py
if [ ${#failed[@]} -gt 0 ]; then
  echo "benchmarks that failed to run: ${failed[*]}" >&2
  exit 1
fi
