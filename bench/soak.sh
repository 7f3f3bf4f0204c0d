#!/usr/bin/env bash
# The soak with faults (issue 17): server/examples/soak/main.rs drives a real `digna serve`
# with sealed submissions from many tablets (some offline for a while), kills it with
# SIGKILL at random moments and restarts it, then lets the scheduled releases run (killed
# too) and checks that nothing was lost or doubled, every release was done once and the
# roll-ups equal a GROUP BY. Not a timed test: its figures are counts that must be 0.
# Writes bench/results/soak.json. See BENCHMARKS.md.
#   bench/soak.sh                   full: SOAK_SUBMISSIONS (10,000) from SOAK_TABLETS (50),
#                                   SOAK_KILLS (6) kills while delivering, 3 while releasing
#   BENCH_SMOKE=1 bench/soak.sh     tiny (300 from 10 tablets, 2 + 1 kills), debug build
#   SOAK_POSTGRES=1 bench/soak.sh   the same on PostgreSQL with SOAK_SERVERS (2) servers on one
#                                   database and key file, a throwaway cluster
#                                   (scripts/pg-cluster.sh); each kill picks one server, the
#                                   others keep serving. Writes bench/results/soak-postgres.json
#   BENCH_BUILD=0, SOAK_DIGNA=…     skip the build, use another server binary
# The debug build is the default even for `make bench` (SOAK_PROFILE=release to change):
# it is the one `make test` built, and the soak checks correctness, not speed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
  profile=debug submissions=300 tablets=10 stations=5 kills=2 release_kills=1 pace=100 offline=2
else
  profile=${SOAK_PROFILE:-debug}
  submissions=${SOAK_SUBMISSIONS:-10000} tablets=${SOAK_TABLETS:-50} stations=10
  kills=${SOAK_KILLS:-6} release_kills=3 pace=250 offline=8
fi
cargo_profile=()
[ "$profile" = release ] && cargo_profile=(--release)

if [ "${BENCH_BUILD:-1}" = 1 ]; then
  cargo build "${cargo_profile[@]}" -q -p server --bin digna --example soak
fi
target_dir=${CARGO_TARGET_DIR:-target}
# `make bench` exports DIGNA as the release binary: the soak takes its own profile's.
digna=${SOAK_DIGNA:-$target_dir/$profile/digna}
soak=$target_dir/$profile/examples/soak

work=$(mktemp -d)
name=soak database=()
if [ "${SOAK_POSTGRES:-0}" = 1 ]; then
  # In /tmp, not $work: the cluster runs as an unprivileged user (nobody, for root).
  cluster=$(mktemp -u -d /tmp/digna-soak-pg.XXXXXX)
  trap 'scripts/pg-cluster.sh stop "$cluster"; rm -rf "$work"' EXIT
  scripts/pg-cluster.sh start "$cluster" >/dev/null
  name=soak-postgres
  database=(--postgres "$(scripts/pg-cluster.sh createdb "$cluster" digna_soak)" --servers "${SOAK_SERVERS:-2}")
else
  trap 'rm -rf "$work"' EXIT
fi

"$soak" --digna "$digna" --data "$work/data" "${database[@]}" --submissions "$submissions" \
  --tablets "$tablets" --stations "$stations" --kills "$kills" --release-kills "$release_kills" \
  --pace-ms "$pace" --offline-s "$offline" --seed "${SOAK_SEED:-17}" >"$work/soak.json" || status=$?
cat "$work/soak.json" >&2
[ -s "$work/soak.json" ] || exit "${status:-1}"

python3 - "$work/soak.json" "$profile" "$name" <<'PY' | python3 bench/record.py
import json, sys
s = json.load(open(sys.argv[1]))
zero = lambda metric, value, unit: {"metric": metric, "value": value, "unit": unit, "budget": 0, "budget_kind": "max"}
several = s["servers"] > 1
fig = [
    {"metric": "submissions acknowledged", "value": s["acknowledged"], "unit": "submissions"},
] + ([
    {"metric": f"acknowledged by server {i + 1}", "value": n, "unit": "submissions"}
    for i, n in enumerate(s["acknowledged_per_server"])
] + [
    {"metric": "acknowledged by another server than a failed try's", "value": s["acknowledged_elsewhere_after_failure"], "unit": "submissions"},
    {"metric": "of those, as duplicates (stored by the server the failed try reached)", "value": s["duplicates_elsewhere_after_failure"], "unit": "submissions"},
] if several else []) + [
    {"metric": "SIGKILLs while delivering", "value": s["kills_delivering"], "unit": "kills"},
    {"metric": "SIGKILLs while releasing", "value": s["kills_releasing"], "unit": "kills"},
    {"metric": "retries (refused connection, 5xx, 429)", "value": s["retries"], "unit": "requests"},
    {"metric": "acknowledged as duplicates (stored before a kill, answer lost)", "value": s["duplicate_200"], "unit": "submissions"},
    zero("lost (acknowledged, no key or no row)", s["lost"], "submissions"),
    zero("doubled (rows beyond acknowledged ids)", s["doubled"], "submissions"),
    zero("stored keys beyond the ids sent", s["stray_keys"], "keys"),
    zero("refused submissions (4xx other than 429)", s["refused"], "submissions"),
    zero("stations whose release did not move on", s["releases_not_moved_on"], "stations"),
    zero("stations a second release found more to release", s["released_again"], "stations"),
    zero("roll-up rows unequal to the GROUP BY", s["rollup_mismatches"], "rows"),
    {"metric": "released responses", "value": s["released"], "unit": "responses"},
    {"metric": "still pending (pools under k, within the hold)", "value": s["pending"], "unit": "responses"},
    {"metric": "delivery time", "value": round(s["delivery_s"], 1), "unit": "s"},
    {"metric": "release phase time", "value": round(s["release_phase_s"], 1), "unit": "s"},
    {"metric": "whole soak", "value": round(s["total_s"], 1), "unit": "s"},
]
params = {k: s[k] for k in ("submissions", "tablets", "stations", "server_starts")}
if several or s["database"] != "sqlite":
    params.update(database=s["database"], servers=s["servers"])
params["server_build"] = sys.argv[2]
json.dump({"name": sys.argv[3], "params": params, "figures": fig}, sys.stdout)
PY
exit "${status:-0}"
