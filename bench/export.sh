#!/usr/bin/env bash
# Export benchmark: one million released responses (eight answers each) in one station
# and month, exported as CSV by `digna export`. Reports rows per second and peak memory
# (maximum resident set size), and writes bench/results/export.json.
#   bench/export.sh [ROWS]        (default 1000000; needs a release build: make build)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
DIGNA=${DIGNA:-target/release/digna}
[ -x "$DIGNA" ] || { echo "build first: make build (or set DIGNA=…)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/bench.db" DIGNA_KEY_FILE="$work/bench.key"
"$DIGNA" station add --code BENCH-1 --name "Comisaría de prueba" --region "Lima Centro" >/dev/null
echo "Generating $ROWS responses…"
sqlite3 "$work/bench.db" <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band)
SELECT randomblob(16), (SELECT id FROM stations WHERE code = 'BENCH-1'), 1, '2026-W10', 'es', 'self', '18-plus' FROM n;
INSERT INTO answers (response_id, question_key, value)
SELECT r.id, q.key, CAST(1 + abs(random()) % 4 AS TEXT) FROM responses r
JOIN (SELECT 'respect' AS key UNION ALL SELECT 'believed' UNION ALL SELECT 'informed' UNION ALL SELECT 'privacy'
      UNION ALL SELECT 'language' UNION ALL SELECT 'safety' UNION ALL SELECT 'overall') q;
INSERT INTO answers (response_id, question_key, value) SELECT id, 'waiting_time', '15-30' FROM responses;
COMMIT;
SQL
echo "Exporting…"
start=$(date +%s.%N)
/usr/bin/time -v "$DIGNA" export --out "$work/out.zip" --station BENCH-1 --from 2026-03-01 --to 2026-03-31 --format csv \
  >"$work/out.txt" 2>"$work/time.txt"
end=$(date +%s.%N)
seconds=$(echo "$end - $start" | bc -l)
rss_kb=$(grep "Maximum resident set size" "$work/time.txt" | awk '{print $NF}')
rate=$(echo "$ROWS / $seconds" | bc -l)
printf '| rows | seconds | rows/s | peak RSS (MB) |\n|---|---|---|---|\n| %d | %.1f | %.0f | %.1f |\n' \
  "$ROWS" "$seconds" "$rate" "$(echo "$rss_kb / 1024" | bc -l)"
mkdir -p bench/results
printf '{"rows": %d, "seconds": %.3f, "rows_per_second": %.0f, "peak_rss_kb": %d}\n' \
  "$ROWS" "$seconds" "$rate" "$rss_kb" > bench/results/export.json
