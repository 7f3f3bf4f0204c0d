#!/usr/bin/env bash
# Dashboards at scale (issue 7): the server time of the overview, a station page and a
# comparison of three items at 100 k, 1 M and 10 M released responses, beside the naive
# baseline (the same numbers computed with GROUP BY over the raw responses and answers)
# measured in the same run on the same database. See BENCHMARKS.md.
#
#   bench/dashboards.sh                  full: release builds, 100 k, 1 M and 10 M (about
#                                        an hour on two cores; 10 M needs ~8 GB of space)
#   BENCH_SMOKE=1 bench/dashboards.sh    smoke: debug builds, 2,000 responses, seconds
#
# BENCH_BUILD=0 skips the build (the binaries must exist).
# Sizes can be overridden: DASHBOARD_SIZES="100000:100:52 1000000:320:156" (responses:
# stations:weeks). Databases go to a temporary directory under BENCH_TMPDIR (default: the
# first of $TMPDIR, /tmp and /dev/shm with room for the largest size) and are deleted.
#
#   BENCH_POSTGRES=1 bench/dashboards.sh   the same on PostgreSQL (bench/results/
#       dashboards-postgres.json): a throwaway durable cluster (scripts/pg-cluster.sh) in
#       that temporary directory, a fresh database per size seeded by the same
#       `digna seed-demo` (the same store code), 100 k and 1 M by default (DASHBOARD_SIZES
#       for 10 M), beside the same naive baseline in PostgreSQL's dialect. Each page's
#       CPU per request, Digna's and PostgreSQL's (all its processes), is recorded too.
set -euo pipefail
cd "$(dirname "$0")/.."

postgres=${BENCH_POSTGRES:-0}
if [ "${BENCH_SMOKE:-}" = 1 ]; then
  # The debug builds the tests made (the Makefile's DIGNA names the release binary).
  export DIGNA=target/debug/digna
  profile=debug
  sizes=${DASHBOARD_SIZES:-"2000:20:10"}
  repeat=${DASHBOARD_REPEAT:-3}
  baseline_repeat=2
  [ "${BENCH_BUILD:-1}" = 0 ] || cargo build -q -p server --example dashboard_baseline
else
  export DIGNA=${DIGNA:-target/release/digna}
  profile=release
  if [ "$postgres" = 1 ]; then
    sizes=${DASHBOARD_SIZES:-"100000:100:52 1000000:320:156"}
  else
    sizes=${DASHBOARD_SIZES:-"100000:100:52 1000000:320:156 10000000:1000:260"}
  fi
  repeat=${DASHBOARD_REPEAT:-10}
  baseline_repeat=${DASHBOARD_BASELINE_REPEAT:-3}
  [ "${BENCH_BUILD:-1}" = 0 ] || cargo build -q --release -p server --example dashboard_baseline
fi
baseline=target/$profile/examples/dashboard_baseline
[ -x "$DIGNA" ] || { echo "build first: cargo build $([ $profile = release ] && echo --release) -p server" >&2; exit 1; }
unset DIGNA_RELEASE_K

# Room: about 750 bytes per response (rows, answers and roll-ups), plus slack.
largest=$(for s in $sizes; do echo "${s%%:*}"; done | sort -n | tail -n 1)
need_kb=$(( largest * 800 / 1024 + 200000 ))
# PostgreSQL's rows are larger (tuple headers, TOAST, its indexes) and its WAL comes on top.
[ "$postgres" = 0 ] || need_kb=$(( largest * 2500 / 1024 + 400000 ))
pick_dir() {
  if [ -n "${BENCH_TMPDIR:-}" ]; then echo "$BENCH_TMPDIR"; return; fi
  for d in "${TMPDIR:-/tmp}" /tmp /dev/shm; do
    [ -d "$d" ] && [ -w "$d" ] || continue
    if [ "$(df -Pk "$d" | awk 'NR==2 {print $4}')" -ge "$need_kb" ]; then echo "$d"; return; fi
  done
  echo "no temporary directory has $(( need_kb / 1024 )) MB free; set BENCH_TMPDIR" >&2
  exit 1
}
base=$(pick_dir)
work=$(mktemp -d -p "$base" digna-dashboards.XXXXXX)
server_pid=
cluster=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  [ -z "$cluster" ] || scripts/pg-cluster.sh stop "$cluster"
  rm -rf "$work"
}
trap cleanup EXIT
echo "Databases in $work"
name=dashboards
cpu_tree=()
if [ "$postgres" = 1 ]; then
  name=dashboards-postgres
  # The cluster runs as an unprivileged user (nobody, for root): it must reach its directory.
  chmod 711 "$work"
  cluster="$work/cluster"
  scripts/pg-cluster.sh start "$cluster" >/dev/null
  admin=$(cat "$cluster/url")
  cpu_tree=(--cpu-tree "postgres=$(head -n 1 "$cluster/data/postmaster.pid")")
fi
# One query's rows on the database being measured.
query() {
  if [ "$postgres" = 1 ]; then psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -c "$1"; else sqlite3 "$dir/bench.db" "$1"; fi
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
password="bench-dashboards-$RANDOM$RANDOM"

for size in $sizes; do
  IFS=: read -r n stations weeks <<<"$size"
  dir="$work/$n"
  mkdir -p "$dir"
  export DATABASE_URL="sqlite://$dir/bench.db" DIGNA_KEY_FILE="$dir/bench.key"
  [ "$postgres" = 0 ] || DATABASE_URL=$(scripts/pg-cluster.sh createdb "$cluster" "dashboards_$n")
  echo "== $n responses, $stations stations, $weeks weeks"
  start=$(date +%s.%N)
  "$DIGNA" seed-demo --responses "$n" --stations "$stations" --weeks "$weeks" --seed 7 >"$dir/seed.txt"
  head -n 1 "$dir/seed.txt"
  seed_s=$(echo "$(date +%s.%N) - $start" | bc -l)
  if [ "$postgres" = 1 ]; then
    db_mb=$(( $(query "SELECT pg_database_size(current_database())") / 1048576 ))
  else
    db_mb=$(du -sm "$dir" | cut -f1)
  fi

  # A station with a typical amount of data (the median), a smaller one, and a region.
  station=$(query "SELECT s.code FROM stations s JOIN (SELECT station_id, SUM(responses) AS n
    FROM response_rollups GROUP BY station_id) t ON t.station_id = s.id ORDER BY t.n, s.code
    LIMIT 1 OFFSET (SELECT COUNT(*) / 2 FROM stations)")
  other=$(query "SELECT s.code FROM stations s JOIN (SELECT station_id, SUM(responses) AS n
    FROM response_rollups GROUP BY station_id) t ON t.station_id = s.id ORDER BY t.n, s.code
    LIMIT 1 OFFSET (SELECT COUNT(*) / 4 FROM stations)")
  region=$(query "SELECT region FROM stations WHERE region = 'Cusco' UNION ALL
    SELECT region FROM stations LIMIT 1")
  items="s:$station,s:$other,r:$region"
  region_args=()
  while IFS= read -r r; do region_args+=(--region "$r"); done < <(query "SELECT DISTINCT region FROM stations")
  printf '%s\n' "$password" | "$DIGNA" user create --email bench@digna.test --role supervisor "${region_args[@]}" \
    --password-stdin >/dev/null

  port=$(free_port)
  LEPTOS_SITE_ADDR="127.0.0.1:$port" "$DIGNA" serve >"$dir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/signin" && break
    sleep 0.2
  done
  enc_items=$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1], safe=":,"))' "$items")
  python3 bench/dashboards_client.py --base "http://127.0.0.1:$port" --email bench@digna.test --password "$password" \
    --repeat "$repeat" --page "overview=/dashboard" --page "station=/dashboard/station/$station" \
    --page "compare=/dashboard/compare?items=$enc_items" --cpu "digna=$server_pid" "${cpu_tree[@]}" >"$dir/pages.json"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=

  if [ "$postgres" = 1 ]; then
    "$baseline" --db "$DATABASE_URL" --station "$station" --items "$items" --repeat "$baseline_repeat" --check \
      >"$dir/baseline.json"
    psql "$admin" -qAt -c "DROP DATABASE dashboards_$n" >/dev/null
  else
    "$baseline" --db "$dir/bench.db" --station "$station" --items "$items" --repeat "$baseline_repeat" --check \
      >"$dir/baseline.json"
  fi
  python3 - "$dir" "$n" "$stations" "$weeks" "$seed_s" "$db_mb" "$station" "$items" >"$work/result-$n.json" <<'PY'
import json, sys
d, n, stations, weeks, seed_s, db_mb, station, items = sys.argv[1:]
pages = json.load(open(f"{d}/pages.json"))
base = json.load(open(f"{d}/baseline.json"))
print(json.dumps({"n": int(n), "stations": int(stations), "weeks": int(weeks), "seed_s": float(seed_s),
                  "db_mb": int(db_mb), "station": station, "items": items, "pages": pages, "baseline": base}))
PY
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("  " + "  ".join(
    "%s: %.1f ms (baseline %s ms)" % (p, r["pages"][p]["server_ms"], r["baseline"].get(p + "_ms", "–"))
    for p in ("overview", "station", "compare")))' "$work/result-$n.json"
  rm -rf "$dir"
done

python3 - "$work" "$name" $sizes <<'PY' | python3 bench/record.py
import glob, json, os, sys
work, name, sizes = sys.argv[1], sys.argv[2], sys.argv[3:]
results = sorted((json.load(open(p)) for p in glob.glob(os.path.join(work, "result-*.json"))), key=lambda r: r["n"])
smoke = os.environ.get("BENCH_SMOKE") == "1"
largest = results[-1]["n"]
def label(n):
    return f"{n // 1_000_000} M" if n >= 1_000_000 else f"{n // 1000} k" if n >= 1000 else str(n)
# What each page covers: stations × weeks (the default period, 12 weeks, on every page);
# for the overview, every station in scope, though it shows 100 a page.
def shown(r, page):
    return {"overview": r["stations"], "station": 1, "compare": r["baseline"]["compared_stations"]}[page] * 12
figures = []
for r in results:
    figures.append({"metric": f"seed-demo, {label(r['n'])} responses ({r['stations']} stations, {r['weeks']} weeks)",
                    "value": round(r["n"] / r["seed_s"]), "unit": "responses/s"})
    for page in ("overview", "station", "compare"):
        # The overview works out every station in scope but shows 100 a page.
        scope = (f"{r['stations']} stations in scope, {min(r['stations'], 100)} a page, × 12 weeks"
                 if page == "overview" else f"{shown(r, page) // 12} stations × 12 weeks")
        f = {"metric": f"{page} server time, {label(r['n'])} responses ({scope})",
             "value": round(r["pages"][page]["server_ms"], 2), "unit": "ms"}
        if page + "_ms" in r["baseline"]:
            f.update({"ceiling": round(r["baseline"][page + "_ms"], 2),
                      "ceiling_what": "naive: the same numbers with GROUP BY over raw responses and answers (same run)"})
        if r["n"] == largest and not smoke:
            f.update({"budget": 25, "budget_kind": "max"})
        figures.append(f)
        # Where a request's time goes: CPU per request, Digna's and (on PostgreSQL) the database's.
        for who, ms in sorted(r["pages"][page].get("cpu_ms", {}).items()):
            figures.append({"metric": f"  {page}, {label(r['n'])}: {who} CPU per request", "value": round(ms, 2),
                            "unit": "ms"})
if len(results) > 1:
    first, last = results[0], results[-1]
    for page in ("overview", "station", "compare"):
        grew = shown(last, page) / shown(first, page)
        figures.append({"metric": f"{page} time growth {label(first['n'])} → {label(last['n'])} "
                                  f"(responses ×{last['n'] // first['n']}, stations × weeks shown ×{grew:g})",
                        "value": round(last["pages"][page]["server_ms"] / first["pages"][page]["server_ms"], 2),
                        "unit": "×", "ceiling": grew,
                        "ceiling_what": "growth in stations × weeks shown",
                        "budget": 1.5, "budget_kind": "max_ratio"})
print(json.dumps({"name": name,
                  "params": {"sizes": " ".join(sizes), "period": "last 12 ISO weeks (the pages' default)"},
                  "figures": figures, "runs": results}))
PY
