#!/usr/bin/env bash
# Schema-driven hostile requests (issue 17): Schemathesis against a running Digna's
# /api/v1/openapi.json, with tablet tokens. `make schemathesis` (part of `make test`).
#
#   1. starts target/debug/digna (what `cargo test -p server` built; SCHEMATHESIS_DIGNA
#      for another) on a free port with a fresh database in a temporary folder, adds a
#      station with a staff PIN and enrolls one tablet per operation (each tablet has its
#      own rate-limit bucket, so one operation's 429s do not starve the next);
#   2. negative phase: only requests that break the schema (`--mode negative`). Every one
#      must be refused, and the database must be byte for byte the same after as before
#      (`sqlite3 .dump` of every table): a refused request changes nothing;
#   3. full phase: examples, coverage and fuzzing with valid and invalid data.
#   Both check: no 5xx, every status code, content type and body as documented, every
#   schema-breaking request refused (`negative_data_rejection`).
# Bounded: SCHEMATHESIS_EXAMPLES cases per operation and phase (default 200), about 15 s; under two
# minutes on two cores. Failures are reproduced by the printed curl commands.
set -euo pipefail
cd "$(dirname "$0")/.."

digna=${SCHEMATHESIS_DIGNA:-target/debug/digna}
st=$PWD/tools/venv/bin/schemathesis
examples=${SCHEMATHESIS_EXAMPLES:-200}
[ -x "$digna" ] || { echo "$digna is missing: run cargo test -p server --no-run first" >&2; exit 1; }
[ -x "$st" ] || { echo "$st is missing: run scripts/install-tools.sh --test" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/digna.db" DIGNA_KEY_FILE="$work/digna.key" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=digna RUST_LOG=warn
unset DIGNA_TRUSTED_PROXIES

start=$(date +%s)
"$digna" station add --code ST-01 --name "Comisaría de prueba" --region "Lima Centro" >/dev/null
"$digna" station set ST-01 --pin 4826 >/dev/null
"$digna" serve 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 200); do
  curl -fs -o /dev/null "$base/api/v1/openapi.json" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done

enroll() {
  local code
  code=$("$digna" tablet enroll --station ST-01 | tail -n 1)
  curl -fsS -X POST "$base/api/v1/tablets/enroll" -H 'content-type: application/json' \
    -d "{\"code\": \"$code\"}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])'
}
# One tablet per operation: Schemathesis sends each operation's requests with its own.
export ST_TOKEN_SURVEY ST_TOKEN_KIOSK ST_TOKEN_RESPONSES ST_TOKEN_UNLOCK ST_TOKEN_ENROLL
ST_TOKEN_SURVEY=$(enroll) ST_TOKEN_KIOSK=$(enroll) ST_TOKEN_RESPONSES=$(enroll) ST_TOKEN_UNLOCK=$(enroll)
ST_TOKEN_ENROLL=$(enroll)
cat >"$work/schemathesis.toml" <<'TOML'
[[operations]]
include-name = "GET /api/v1/survey"
headers = { Authorization = "Bearer ${ST_TOKEN_SURVEY}" }
[[operations]]
include-name = "GET /api/v1/kiosk"
headers = { Authorization = "Bearer ${ST_TOKEN_KIOSK}" }
[[operations]]
include-name = "POST /api/v1/responses"
headers = { Authorization = "Bearer ${ST_TOKEN_RESPONSES}" }
[[operations]]
include-name = "POST /api/v1/staff/unlock"
headers = { Authorization = "Bearer ${ST_TOKEN_UNLOCK}" }
[[operations]]
include-name = "POST /api/v1/tablets/enroll"
headers = { Authorization = "Bearer ${ST_TOKEN_ENROLL}" }
TOML

# From the temporary folder: Schemathesis keeps a cache in the folder it runs in.
run() {
  (cd "$work" && "$st" --config-file "$work/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
    --max-examples "$examples" --seed "${SCHEMATHESIS_SEED:-17}" --workers 2 --no-color \
    --suppress-health-check all --generation-database none --request-timeout 10 "$@")
}

# Every table, as SQL text: what a refused request must leave as it was.
snapshot() { sqlite3 "$work/digna.db" .dump; }

snapshot >"$work/before.sql"
echo "==> Schemathesis, negative data only: every request refused, nothing changed"
run --mode negative --phases examples,coverage,fuzzing
snapshot >"$work/after.sql"
if ! diff -u "$work/before.sql" "$work/after.sql" >"$work/changes.diff"; then
  echo "refused requests changed the database:" >&2
  head -n 40 "$work/changes.diff" >&2
  exit 1
fi
echo "the database is unchanged after the negative phase"

echo "==> Schemathesis, valid and invalid data"
run --mode all --phases examples,coverage,fuzzing
if grep -q "panicked" "$work/server.log"; then
  echo "the server panicked:" >&2
  grep -A5 "panicked" "$work/server.log" >&2
  exit 1
fi
echo "schemathesis: both phases passed in $(( $(date +%s) - start )) s"
