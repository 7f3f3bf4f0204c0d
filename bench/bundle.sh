#!/usr/bin/env bash
# Kiosk bundle and start (issue 7). Two things a tablet in a waiting room pays for:
#  1. the size of the kiosk's WebAssembly and JavaScript loaded at start (target/site/pkg:
#     digna.wasm and every .js; the lazy staff screens apart), raw and brotli (quality 11),
#     beside a bare Leptos page (bench/bare-leptos: router, one server function, a counter)
#     built IN THE SAME RUN with the same wasm profile, wasm-bindgen and wasm-opt.
#     Budget: kiosk ≤ 1.3 × bare, brotli, wasm + JS.
#  2. the time until the first question is tappable, in headless Chromium with the CPU
#     throttled 4× (DevTools protocol), median of 10 loads, as a returning tablet (HTTP
#     cache, service worker) and with empty caches: bench/start-time.mjs says exactly
#     what is measured. Budget ≤ 1 s. Ceiling: the first contentful paint of the same loads.
#
#   bench/bundle.sh                full: builds the kiosk (`make build`, with --split;
#                                  `make site`, the front end only, when DIGNA names
#                                  a server binary to use) and the bare page (into
#                                  target/bench-bare; several minutes cold), 10 loads
#   BENCH_SMOKE=1 bench/bundle.sh  smoke: no build; the existing target/site and
#                                  target/debug/digna, 1 load; a few seconds
# Environment: DIGNA (server binary), LOADS (default 10), THROTTLE (default 4),
# MODES (warm,cold), WARMUP (unmeasured warm loads first: 1, smoke 0). Writes bench/results/bundle.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"
export SQLX_OFFLINE=${SQLX_OFFLINE:-true}  # as the Makefile: queries from .sqlx/

SMOKE=$([ "${BENCH_SMOKE:-}" = 1 ] && echo 1 || echo "")
DIGNA_GIVEN=${DIGNA:-}
THROTTLE=${THROTTLE:-4}
if [ -n "$SMOKE" ]; then
  DIGNA=${DIGNA:-target/debug/digna}
  LOADS=${LOADS:-1}
  MODES=${MODES:-warm}
  WARMUP=${WARMUP:-0}
else
  DIGNA=${DIGNA:-target/release/digna}
  LOADS=${LOADS:-10}
  MODES=${MODES:-warm,cold}
  WARMUP=${WARMUP:-1}
fi
KIOSK_PKG=target/site/pkg
BARE_TARGET=$PWD/target/bench-bare
BARE_PKG=$BARE_TARGET/site/pkg

# Chromium, and the Playwright package that drives it (Node's zlib does the brotli).
if [ ! -x /usr/bin/chromium ] || [ ! -d end2end/node_modules/@playwright/test ] || ! command -v node >/dev/null; then
  scripts/install-tools.sh --test
fi

if [ -z "$SMOKE" ]; then
  # The bare page must be built with exactly the kiosk's wasm profile...
  python3 - <<'PY'
import sys, tomllib
root = tomllib.load(open("Cargo.toml", "rb"))["profile"]["wasm-release"]
bare = tomllib.load(open("bench/bare-leptos/Cargo.toml", "rb"))["profile"]["wasm-release"]
if root != bare:
    sys.exit(f"[profile.wasm-release] differs: Cargo.toml {root} vs bench/bare-leptos/Cargo.toml {bare}")
# ... and the same Leptos and wasm-bindgen (copy Cargo.lock over bench/bare-leptos/Cargo.lock
# after an upgrade; cargo drops what the bare page does not use).
def versions(lock):
    out = {}
    for p in tomllib.load(open(lock, "rb"))["package"]:
        out.setdefault(p["name"], set()).add(p["version"])
    return out
root, bare = versions("Cargo.lock"), versions("bench/bare-leptos/Cargo.lock")
for name in ("leptos", "leptos_router", "leptos_meta", "tachys", "reactive_graph", "server_fn", "wasm-bindgen"):
    if root.get(name) != bare.get(name):
        sys.exit(f"{name}: {root.get(name)} in Cargo.lock but {bare.get(name)} in bench/bare-leptos/Cargo.lock")
PY
  scripts/install-tools.sh
  if [ -n "${DIGNA_GIVEN}" ]; then
    echo "Building the kiosk's front end (make site; server: $DIGNA)…"
    make --no-print-directory site
  else
    echo "Building the kiosk (make build)…"
    make --no-print-directory build
  fi
  echo "Building the bare Leptos page (same profile, wasm-bindgen and wasm-opt) into target/bench-bare…"
  (cd bench/bare-leptos && CARGO_TARGET_DIR="$BARE_TARGET" cargo leptos build --release --frontend-only)
fi
[ -x "$DIGNA" ] || { echo "no server binary at $DIGNA: build first (make build, or cargo build -p server)" >&2; exit 1; }
[ -f "$KIOSK_PKG/digna.wasm" ] || { echo "no $KIOSK_PKG/digna.wasm: build first (make site)" >&2; exit 1; }
# The kiosk loads its staff screens lazily: a build without --split cannot start.
[ -f "$KIOSK_PKG/__wasm_split_manifest.json" ] || { echo "$KIOSK_PKG was not built with --split: build with make site" >&2; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Raw and brotli (quality 11, the library's default window) sizes of the files a build
# puts in its pkg folder, grouped: what a page loads at start (the main wasm and every
# JavaScript file: wasm-bindgen's glue, the crates' snippets, the lazy-loading helper) and
# the lazy modules (`cargo leptos build --split`), fetched only when their screen opens.
sizes() {
  node -e '
    const fs = require("fs"), path = require("path"), zlib = require("zlib");
    const [dir, main] = process.argv.slice(1);
    const out = { files: {}, start: { wasm: { raw: 0, brotli: 0 }, js: { raw: 0, brotli: 0 } },
                  lazy: { raw: 0, brotli: 0, count: 0 } };
    const walk = (d) => fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]) : [];
    for (const f of walk(dir)) {
      const name = path.relative(dir, f);
      const group = name === main + ".wasm" ? out.start.wasm
        : name.endsWith(".js") ? out.start.js : name.endsWith(".wasm") ? out.lazy : null;
      if (!group) continue;
      const raw = fs.readFileSync(f);
      const br = zlib.brotliCompressSync(raw, { params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
      out.files[name] = { raw: raw.length, brotli: br.length };
      group.raw += raw.length; group.brotli += br.length;
      if (group === out.lazy) group.count += 1;
    }
    console.log(JSON.stringify(out));' "$@"
}
sizes "$KIOSK_PKG" digna >"$work/kiosk.json"
if [ -z "$SMOKE" ]; then
  sizes "$BARE_PKG" bare >"$work/bare.json"
else
  echo '{}' >"$work/bare.json"
fi

# The real kiosk, on a fresh database, with one station and a tablet enrollment code.
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
export DATABASE_URL="sqlite://$work/bench.db" DIGNA_KEY_FILE="$work/bench.key" RUST_LOG=warn
export LEPTOS_SITE_ROOT="$PWD/target/site" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_OUTPUT_NAME=digna
"$DIGNA" station add --code BENCH-1 --name "Comisaría de prueba" --region "Lima Centro" >/dev/null
code=$("$DIGNA" tablet enroll --station BENCH-1 | tail -n 1 | tr -d '[:space:]')
"$DIGNA" serve >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/v1/openapi.json" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.1
done
echo "Measuring the start: $LOADS load(s) per mode ($MODES), CPU throttled ${THROTTLE}×…"
node bench/start-time.mjs --base "http://127.0.0.1:$port" --code "$code" \
  --loads "$LOADS" --throttle "$THROTTLE" --modes "$MODES" --warmup "$WARMUP" >"$work/start.json"

python3 - "$work" "$LOADS" "$THROTTLE" <<'PY' | python3 bench/record.py
import json, sys
work, loads, throttle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kiosk = json.load(open(f"{work}/kiosk.json"))
bare = json.load(open(f"{work}/bare.json"))
start = json.load(open(f"{work}/start.json"))
BARE = "bare Leptos page (router, server fn, counter), same profile and tools, same run"
k_wasm, k_js, k_lazy = kiosk["start"]["wasm"], kiosk["start"]["js"], kiosk["lazy"]
b_wasm, b_js = (bare["start"]["wasm"], bare["start"]["js"]) if bare else (None, None)
figures = []
def size(metric, value, ceiling, budget=None):
    f = {"metric": metric, "value": value, "unit": "bytes"}
    if ceiling is not None:
        f.update(ceiling=ceiling, ceiling_what=BARE)
        if budget is not None:
            f.update(budget=budget, budget_kind="max_ratio")
    figures.append(f)
size("wasm + JS loaded at start, brotli", k_wasm["brotli"] + k_js["brotli"],
     b_wasm and b_wasm["brotli"] + b_js["brotli"], 1.3)
size("main wasm, brotli", k_wasm["brotli"], b_wasm and b_wasm["brotli"])
size("JS (glue, snippets, lazy loader), brotli", k_js["brotli"], b_js and b_js["brotli"])
size("main wasm, raw", k_wasm["raw"], b_wasm and b_wasm["raw"])
size("JS, raw", k_js["raw"], b_js and b_js["raw"])
size(f"lazy modules, staff screens only ({k_lazy['count']} file{'' if k_lazy['count'] == 1 else 's'}), brotli", k_lazy["brotli"], None)
for mode, what in (("warm", "returning tablet: HTTP cache + service worker"), ("cold", "empty caches")):
    s = start.get(mode)
    if not s:
        continue
    figures.append({"metric": f"first question tappable, {what} (median of {loads})",
                    "value": s["median_tappable_ms"], "unit": "ms",
                    "ceiling": s["median_fcp_ms"], "ceiling_what": "first contentful paint of the same loads",
                    "budget": 1000, "budget_kind": "max"})
    for key, label in (("hydrated", "hydrated"), ("welcome", "welcome screen tappable"),
                       ("question", "tap → first question shown")):
        figures.append({"metric": f"  {label}, {mode} (median)", "value": s[f"median_{key}_ms"], "unit": "ms"})
print(json.dumps({"name": "bundle",
                  "params": {"cpu_throttle": throttle, "loads": loads, "brotli_quality": 11,
                             "bare_built": bool(b_wasm)},
                  "figures": figures,
                  "kiosk_sizes": kiosk, "bare_sizes": bare, "start": start}))
PY
