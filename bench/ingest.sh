#!/usr/bin/env bash
# Ingest benchmark (issue 7): POST /api/v1/responses against its ceiling, and the
# server's memory. Writes bench/results/ingest.json. See BENCHMARKS.md.
#   bench/ingest.sh                 release builds, full sizes, median of BENCH_REPEAT runs (3)
#   BENCH_SMOKE=1 bench/ingest.sh   debug builds, tiny sizes: proves it builds and runs
#   BENCH_BUILD=0, DIGNA=…          skip the build, use another server binary
#   BENCH_PIN=1                     server and ceiling on CPU 0, load generator on CPU 1
#                                   (taskset): without it they share both cores, and the
#                                   load generator's own work shows in the latency tail
# Each run, back to back:
#   1. the ceiling (server/examples/ingest_ceiling.rs): the same storage code, schema,
#      durability and batching, from one process, no HTTP (releases run on a schedule,
#      not on the ingest path: the ceiling times one release of every station after);
#   2. a fresh `digna serve` on a free port with its own temporary database, driven by
#      server/examples/ingest_load.rs over loopback from many tablets: closed loop (as fast
#      as it answers) "plain" and sealed, then a fixed offered rate (open loop) "plain" and
#      sealed; the server's VmRSS when idle and its VmHWM under the load. Since issue 16
#      plain JSON is refused: "plain" is sealed without the fixed-size frame (what tablets
#      queued before it), "sealed" is the kiosk's framed, sealed body.
#
#   BENCH_POSTGRES=1 bench/ingest.sh   the same on PostgreSQL (bench/results/ingest-postgres.json):
#      a throwaway durable cluster (scripts/pg-cluster.sh, fsync and synchronous_commit
#      on) in the temporary directory, a fresh database for each of, back to back:
#      1. the ceiling (server/examples/ingest_ceiling_postgres.rs): the same rows (a
#         submission key and a pending record of the fixed sealed size per submission)
#         written by a minimal multi-row INSERT client, one commit per batch of at most
#         Digna's group commit, on one connection per server (2);
#      2. one `digna serve`, driven as above;
#      3. two `digna serve` on one database and one key file, the load generator sending
#         each tablet's submissions to one of them (tablet i to server i mod 2).
#      PostgreSQL's CPU (its processes, those that ended included) and its WAL syncs
#      (pg_stat_wal) are read around each. Sizes: BENCH_INGEST_COUNT (10,000) per phase,
#      the fixed rate for BENCH_INGEST_SECONDS (5 s): the disk holds every row twice
#      (table and WAL) until the database is dropped. The cluster lives in BENCH_TMPDIR
#      (default $TMPDIR or /tmp); the results name its file system: on tmpfs an fsync
#      writes nothing durable, and the figures are not those of a disk.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

postgres=${BENCH_POSTGRES:-0}
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
  profile=debug cargo_profile=()
  repeat=1 count=300 stations=10 tablets=50 workers=16 rate=100 seconds=1
elif [ "$postgres" = 1 ]; then
  profile=release cargo_profile=(--release)
  repeat=${BENCH_REPEAT:-3} count=${BENCH_INGEST_COUNT:-10000} stations=100 tablets=1000 workers=256 rate=1000
  seconds=${BENCH_INGEST_SECONDS:-5}
else
  profile=release cargo_profile=(--release)
  repeat=${BENCH_REPEAT:-3} count=${BENCH_INGEST_COUNT:-20000} stations=100 tablets=1000 workers=256 rate=1000 seconds=10
fi
k=${DIGNA_RELEASE_K:-5}

# BENCH_BUILD=0: use the binaries already built (CARGO_TARGET_DIR is honoured).
if [ "${BENCH_BUILD:-1}" = 1 ]; then
  cargo build "${cargo_profile[@]}" -q -p server --bin digna --example ingest_ceiling --example ingest_load \
    --example ingest_ceiling_postgres
fi
target_dir=${CARGO_TARGET_DIR:-target}
DIGNA=${DIGNA:-$target_dir/$profile/digna}
CEILING=$target_dir/$profile/examples/ingest_ceiling
LOAD=$target_dir/$profile/examples/ingest_load

if [ "${BENCH_PIN:-0}" = 1 ]; then
  on_server_cpu=(taskset -c 0) on_load_cpu=(taskset -c 1)
else
  on_server_cpu=(env) on_load_cpu=(env)
fi

work=$(mktemp -d -p "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}")
server_pid=""
server_pids=()
stop_server() {
  for pid in $server_pid "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  server_pid="" server_pids=()
}
cluster=""
trap 'stop_server; [ -z "$cluster" ] || scripts/pg-cluster.sh stop "$cluster"; rm -rf "$work"' EXIT

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# The disk's durable-write latency, the floor of any acknowledgement: 8 KiB written and
# fsynced 300 times in the directory the databases live in.
python3 - "$work" >"$work/fsync.json" <<'PY'
import json, os, sys, time
path = os.path.join(sys.argv[1], "fsync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT)
lat = []
for _ in range(300):
    os.write(fd, b"x" * 8192)
    t = time.perf_counter()
    os.fsync(fd)
    lat.append((time.perf_counter() - t) * 1000)
    time.sleep(0.001)
os.close(fd)
os.unlink(path)
lat.sort()
print(json.dumps({"p50_ms": lat[len(lat) // 2], "p99_ms": lat[int(len(lat) * 0.99) - 1]}))
PY

if [ "$postgres" = 1 ]; then
  CEILING_PG=$target_dir/$profile/examples/ingest_ceiling_postgres
  # The cluster runs as an unprivileged user (nobody, for root): it must reach its directory.
  chmod 711 "$work"
  cluster="$work/cluster"
  scripts/pg-cluster.sh start "$cluster" >/dev/null
  admin=$(cat "$cluster/url")
  # Checkpoints sooner than the default 1 GB of WAL: the disk may have little room.
  psql "$admin" -qAt -c "ALTER SYSTEM SET max_wal_size = '256MB'" -c "SELECT pg_reload_conf()" >/dev/null
  postmaster=$(head -n 1 "$cluster/data/postmaster.pid")
  # CPU seconds of the cluster: its live processes plus the ended ones it has reaped.
  pg_cpu() {
    python3 - "$postmaster" <<'PY'
import os, sys
pm = sys.argv[1]
def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
total = 0
f = fields(pm)
total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
for pid in os.listdir("/proc"):
    if not pid.isdigit() or pid == pm:
        continue
    try:
        f = fields(pid)
    except OSError:
        continue
    if f[1] == pm:
        total += int(f[11]) + int(f[12])
print(total / 100)
PY
  }
  wal_syncs() { psql "$admin" -qAt -c "SELECT wal_sync FROM pg_stat_wal"; }
  # Runs "$@" between two readings of PostgreSQL's CPU and WAL syncs; writes them to $1.json's side.
  measured() {
    local out=$1; shift
    local cpu0 sync0
    cpu0=$(pg_cpu) sync0=$(wal_syncs)
    "$@"
    python3 -c 'import json,sys; print(json.dumps({"pg_cpu_s": float(sys.argv[2]) - float(sys.argv[1]),
      "wal_syncs": int(sys.argv[4]) - int(sys.argv[3])}))' "$cpu0" "$(pg_cpu)" "$sync0" "$(wal_syncs)" >"$out"
  }
  start_servers() {
    local n=$1 url=$2 dir=$3
    urls=() server_pids=()
    for i in $(seq 1 "$n"); do
      local port
      port=$(free_port)
      DATABASE_URL="$url" DIGNA_KEY_FILE="$dir/digna.key" DIGNA_RELEASE_K="$k" \
        LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
        "$DIGNA" serve 2>"$dir/server-$i.log" &
      server_pids+=($!)
      urls+=(--url "http://127.0.0.1:$port")
      # The first server makes the key file and runs the migrations before the next starts.
      for _ in $(seq 1 300); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" && break
        kill -0 "${server_pids[-1]}" 2>/dev/null || { cat "$dir/server-$i.log" >&2; exit 1; }
        sleep 0.05
      done
    done
  }
  for run in $(seq 1 "$repeat"); do
    echo "ingest (PostgreSQL) run $run/$repeat: ceiling ($count submissions, 2 connections)…" >&2
    url=$(scripts/pg-cluster.sh createdb "$cluster" "ceiling_$run")
    measured "$work/pg-ceiling-$run.json" "$CEILING_PG" --database "$url" --count "$count" --stations "$stations" \
      --connections 2 >"$work/ceiling-$run.json"
    psql "$admin" -qAt -c "DROP DATABASE ceiling_$run" >/dev/null
    for n in 1 2; do
      dir="$work/run-$run-$n"
      mkdir -p "$dir"
      url=$(scripts/pg-cluster.sh createdb "$cluster" "digna_${run}_$n")
      start_servers "$n" "$url" "$dir"
      echo "ingest (PostgreSQL) run $run/$repeat: $n Digna server(s) (pids ${server_pids[*]})…" >&2
      pids=()
      for pid in "${server_pids[@]}"; do pids+=(--pid "$pid"); done
      measured "$work/pg-load-$run-$n.json" "$LOAD" "${urls[@]}" --database "$url" "${pids[@]}" \
        --stations "$stations" --tablets "$tablets" --workers "$workers" --count "$count" \
        --rate "$rate" --seconds "$seconds" >"$work/load-$run-$n.json"
      stop_server
      psql "$admin" -qAt -c "DROP DATABASE digna_${run}_$n" >/dev/null
    done
  done
  pg_version=$(psql "$admin" -qAt -c "SHOW server_version")
  cluster_fs=$(stat -f -c %T "$cluster")

  python3 - "$work" "$repeat" "$pg_version" "$cluster_fs" <<'PY' | python3 bench/record.py
import json, os, statistics, sys
work, repeat, pg_version, cluster_fs = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = range(1, repeat + 1)
ceil = [json.load(open(f"{work}/ceiling-{i}.json")) for i in runs]
pg_ceil = [json.load(open(f"{work}/pg-ceiling-{i}.json")) for i in runs]
load = {n: [json.load(open(f"{work}/load-{i}-{n}.json")) for i in runs] for n in (1, 2)}
pg_load = {n: [json.load(open(f"{work}/pg-load-{i}-{n}.json")) for i in runs] for n in (1, 2)}
med = statistics.median
c = ceil[0]
store = med(x["per_second"] for x in ceil)
what = (f"same rows (a key and a {c['sealed_bytes']}-byte pending record each), schema and durability, "
        f"multi-row INSERT, one commit per {c['batch']}, {c['connections']} connections, no HTTP")
servers = {1: "one server", 2: "two servers"}
fig = []
for n in (1, 2):
    for kind in ("plain", "sealed"):
        f = {"metric": f"submissions/s, {kind}, {servers[n]}",
             "value": round(med(l[f"closed_{kind}"]["per_second"] for l in load[n])), "unit": "1/s",
             "ceiling": round(store), "ceiling_what": what}
        if n == 2 and not os.environ.get("BENCH_SMOKE") == "1":
            f.update(budget=0.5, budget_kind="min_ratio")
        fig.append(f)
rate = load[1][0]["rate"]
for n in (1, 2):
    for kind in ("plain", "sealed"):
        f = {"metric": f"p99 latency at {rate}/s, {kind}, {servers[n]}",
             "value": round(med(l[f"open_{kind}"]["p99_ms"] for l in load[n]), 2), "unit": "ms",
             "ceiling": round(med(x["commit_p99_ms"] for x in ceil), 2),
             "ceiling_what": "ceiling program: p99 of one batch's commit"}
        if not os.environ.get("BENCH_SMOKE") == "1":
            f.update(budget=20, budget_kind="max")
        fig.append(f)
errors = sum(l[p]["errors"] for n in (1, 2) for l in load[n]
             for p in ("closed_plain", "closed_sealed", "open_plain", "open_sealed"))
fig.append({"metric": "answers other than 201", "value": errors, "unit": "requests", "budget": 0, "budget_kind": "max"})
# Where the time goes: per submission stored (closed and open phases together for PostgreSQL,
# whose readings are around the whole load).
total = lambda l: sum(l[p]["sent"] for p in ("closed_plain", "closed_sealed", "open_plain", "open_sealed"))
ceil_pg_us = med(p["pg_cpu_s"] * 1e6 / x["submissions"] for p, x in zip(pg_ceil, ceil))
for n in (1, 2):
    fig.append({"metric": f"PostgreSQL CPU per submission, {servers[n]}",
                "value": round(med(p["pg_cpu_s"] * 1e6 / total(l) for p, l in zip(pg_load[n], load[n]))), "unit": "µs",
                "ceiling": round(ceil_pg_us), "ceiling_what": "PostgreSQL CPU per submission under the ceiling program"})
    cpu = [l["closed_sealed"]["server_cpu_us_per_request"] for l in load[n]]
    if all(x is not None for x in cpu):
        fig.append({"metric": f"Digna CPU per submission, sealed, {servers[n]} together", "value": round(med(cpu)),
                    "unit": "µs", "ceiling": round(med(x["client_cpu_us_per_submission"] for x in ceil)),
                    "ceiling_what": "ceiling program's own CPU per submission"})
    fig.append({"metric": f"submissions per WAL sync, {servers[n]}",
                "value": round(med(total(l) / max(p["wal_syncs"], 1) for p, l in zip(pg_load[n], load[n])), 1),
                "unit": "", "ceiling": round(med(x["submissions"] / max(p["wal_syncs"], 1) for p, x in zip(pg_ceil, ceil)), 1),
                "ceiling_what": "ceiling program"})
mb = lambda kb: round(kb / 1024, 1)
for n in (1, 2):
    fig.append({"metric": f"server peak RSS under load, {servers[n]} (the larger)",
                "value": mb(med(l["rss_peak_kb"] for l in load[n])), "unit": "MB", "budget": 100, "budget_kind": "max"})
fsync = json.load(open(f"{work}/fsync.json"))
for p in ("p50", "p99"):
    fig.append({"metric": f"disk fsync {p} (8 KiB)", "value": round(fsync[f"{p}_ms"], 2), "unit": "ms"})
spread = {"ceiling_per_second": [round(x["per_second"]) for x in ceil]}
for n in (1, 2):
    for kind in ("plain", "sealed"):
        spread[f"{kind}_per_second_{n}"] = [round(l[f"closed_{kind}"]["per_second"]) for l in load[n]]
params = {"postgres": pg_version, "cluster_file_system": cluster_fs, "submissions": c["submissions"], "stations": c["stations"],
          "tablets": load[1][0]["tablets"], "workers": load[1][0]["workers"], "batch": c["batch"],
          "ceiling_connections": c["connections"], "sealed_bytes": c["sealed_bytes"],
          "bytes_per_submission": round(med(x["bytes_per_submission"] for x in ceil)),
          "runs": repeat, "fixed_rate": f"fixed rate {rate}/s", "per_run": spread}
json.dump({"name": "ingest-postgres", "params": params, "figures": fig}, sys.stdout)
PY
  exit 0
fi

for run in $(seq 1 "$repeat"); do
  echo "ingest run $run/$repeat: ceiling ($count submissions, then ${rate}/s for ${seconds} s)…" >&2
  "${on_server_cpu[@]}" "$CEILING" --count "$count" --stations "$stations" --k "$k" --rate "$rate" --seconds "$seconds" \
    >"$work/ceiling-$run.json"

  dir="$work/run-$run"
  mkdir -p "$dir"
  port=$(free_port)
  DATABASE_URL="sqlite://$dir/digna.db" DIGNA_KEY_FILE="$dir/digna.key" DIGNA_RELEASE_K="$k" \
    LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
    "${on_server_cpu[@]}" "$DIGNA" serve 2>"$dir/server.log" &
  server_pid=$!
  for _ in $(seq 1 200); do
    curl -fs -o /dev/null "http://127.0.0.1:$port/api/v1/openapi.json" && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "ingest run $run/$repeat: Digna on port $port (pid $server_pid)…" >&2
  "${on_load_cpu[@]}" "$LOAD" --url "http://127.0.0.1:$port" --database "sqlite://$dir/digna.db" --pid "$server_pid" \
    --stations "$stations" --tablets "$tablets" --workers "$workers" --count "$count" \
    --rate "$rate" --seconds "$seconds" >"$work/load-$run.json"
  stop_server
done

python3 - "$work" "$repeat" <<'PY' | python3 bench/record.py
import json, os, statistics, sys
work, repeat = sys.argv[1], int(sys.argv[2])
ceil = [json.load(open(f"{work}/ceiling-{i}.json")) for i in range(1, repeat + 1)]
load = [json.load(open(f"{work}/load-{i}.json")) for i in range(1, repeat + 1)]
med = statistics.median
def ceiling(key): return med(c[key] for c in ceil)
def digna(phase, key): return med(l[phase][key] for l in load)
c = ceil[0]
rate, fixed = load[0]["rate"], "fixed rate %d/s" % load[0]["rate"]
store = ceiling("per_second")
what = "same rows, schema, durability, batching and release of k, one process, no HTTP"
commit = f"storage alone at {rate}/s, grouped as Digna groups (ceiling program)"
fig = []
for kind in ("plain", "sealed"):
    fig.append({"metric": f"submissions/s, {kind}", "value": round(digna(f"closed_{kind}", "per_second")),
                "unit": "1/s", "ceiling": round(store), "ceiling_what": what, "budget": 0.5, "budget_kind": "min_ratio"})
for kind in ("plain", "sealed"):
    for p in ("p50", "p99"):
        f = {"metric": f"{p} latency at {rate}/s, {kind}", "value": round(digna(f"open_{kind}", f"{p}_ms"), 2),
             "unit": "ms", "ceiling": round(ceiling(f"fixed_{p}_ms"), 2), "ceiling_what": commit}
        if p == "p99":
            f.update(budget=20, budget_kind="max")
        fig.append(f)
errors = sum(l[p]["errors"] for l in load for p in ("closed_plain", "closed_sealed", "open_plain", "open_sealed"))
fig.append({"metric": "answers other than 201", "value": errors, "unit": "requests", "budget": 0, "budget_kind": "max"})
mb = lambda kb: round(kb / 1024, 1)
fig.append({"metric": "server RSS idle", "value": mb(med(l["rss_idle_kb"] for l in load)), "unit": "MB",
            "ceiling": mb(ceiling("rss_open_kb")), "ceiling_what": "ceiling process once the database is open",
            "budget": 30, "budget_kind": "max"})
fig.append({"metric": "server peak RSS under load", "value": mb(med(l["rss_peak_kb"] for l in load)), "unit": "MB",
            "ceiling": mb(ceiling("rss_storage_peak_kb")),
            "ceiling_what": "ceiling process: open database plus what the storage work added",
            "budget": 100, "budget_kind": "max"})
fsync = json.load(open(f"{work}/fsync.json"))
for p in ("p50", "p99"):
    fig.append({"metric": f"disk fsync {p} (8 KiB)", "value": round(fsync[f"{p}_ms"], 2), "unit": "ms"})
cpu = [l[f"closed_{kind}"]["server_cpu_us_per_request"] for l in load for kind in ("plain", "sealed")]
if all(c is not None for c in cpu):
    for kind in ("plain", "sealed"):
        fig.append({"metric": f"server CPU per submission, {kind}",
                    "value": round(med(l[f"closed_{kind}"]["server_cpu_us_per_request"] for l in load)), "unit": "µs",
                    "ceiling": round(ceiling("cpu_us_per_submission")), "ceiling_what": "ceiling process CPU per submission"})
samples = [s for l in load for p in ("closed_plain", "closed_sealed", "open_plain", "open_sealed") for s in l[p]["error_samples"]]
if samples:
    print("unexpected answers:", *samples[:5], sep="\n  ", file=sys.stderr)
spread = {
    "ceiling_per_second": [round(x["per_second"]) for x in ceil],
    "plain_per_second": [round(l["closed_plain"]["per_second"]) for l in load],
    "sealed_per_second": [round(l["closed_sealed"]["per_second"]) for l in load],
    "p99_plain_ms": [round(l["open_plain"]["p99_ms"], 2) for l in load],
    "p99_sealed_ms": [round(l["open_sealed"]["p99_ms"], 2) for l in load],
}
params = {"submissions": c["submissions"], "stations": c["stations"], "tablets": load[0]["tablets"],
          "workers": load[0]["workers"], "k": c["k"], "batch": c["batch"], "runs": repeat,
          "fixed_rate": fixed, "pinned": os.environ.get("BENCH_PIN") == "1", "per_run": spread}
json.dump({"name": "ingest", "params": params, "figures": fig}, sys.stdout)
PY
