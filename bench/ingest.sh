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
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
  profile=debug cargo_profile=()
  repeat=1 count=300 stations=10 tablets=50 workers=16 rate=100 seconds=1
else
  profile=release cargo_profile=(--release)
  repeat=${BENCH_REPEAT:-3} count=${BENCH_INGEST_COUNT:-20000} stations=100 tablets=1000 workers=256 rate=1000 seconds=10
fi
k=${DIGNA_RELEASE_K:-5}

# BENCH_BUILD=0: use the binaries already built (CARGO_TARGET_DIR is honoured).
if [ "${BENCH_BUILD:-1}" = 1 ]; then
  cargo build "${cargo_profile[@]}" -q -p server --bin digna --example ingest_ceiling --example ingest_load
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

work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT

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
