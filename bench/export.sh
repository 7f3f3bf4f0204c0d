#!/usr/bin/env bash
# Export benchmark (issue 7, "Export"): the researchers' anonymized CSV export of ROWS
# released responses, `digna export --format csv`, timed end to end (one read of the
# selection, k-anonymity plan, coded rows, codebook, label scripts, SHA-256 of every file,
# the ZIP, the audit record), with its peak resident memory and CPU time from
# /usr/bin/time -v.
#
# Ceiling, measured in the same run on the same database, back to back with Digna:
# server/examples/export_ceiling.rs, the fastest plain read we know of the same responses
# (same selection: stations, weeks, survey version, no suspect ones) with their answers
# out of SQLite into a CSV file, one line per response, through the same SQLite build and
# driver (sqlx), with no anonymization, no coding of answers and no ZIP. For reference,
# the sqlite3 shell's plain read of the same rows (`sqlite3 -csv`, one thread, the
# faster of two forms) is recorded too, without a budget.
#
# The data: ROWS responses of March 2026 (ISO weeks 10-13) spread over 20 stations in
# two regions plus one tiny station in a third, Spanish mostly with some Quechua, Aymara
# and English, every respondent type and age band, 1 in 200 suspect (left out); each
# response answers the seven face scales (5 % "rather not"), the waiting time, and on
# average one improvement choice: about nine answer rows per response.
#
#   bench/export.sh [ROWS]           full: release build, ROWS = 1,000,000, median of 3
#   BENCH_SMOKE=1 bench/export.sh    smoke: debug build, 5,000 rows, 1 run, no verdict
#   KEEP_WORK=1 …                    keeps the temporary database (its path is printed)
#   DIGNA=… CEILING=… …              the binaries to measure (no build)
# Results: bench/results/export.json (bench/record.py).
#
#   BENCH_POSTGRES=1 bench/export.sh [ROWS]   the same export from PostgreSQL
#       (bench/results/export-postgres.json): the same generated rows, copied into a fresh
#       database of a throwaway durable cluster (scripts/pg-cluster.sh) with
#       `digna migrate-db`, exported by `digna export` with DATABASE_URL on it. Ceiling: psql's
#       `\copy` of the same rows and answers (one JSON object of answers per response) to
#       a CSV file; PostgreSQL's CPU during each (all its processes) is recorded too. The
#       SQLite database and the cluster go to the first of BENCH_TMPDIR, $TMPDIR, /tmp and
#       /dev/shm with room for both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

if [ "${BENCH_SMOKE:-}" = 1 ]; then
  ROWS=${1:-5000}
  RUNS=1
  [ -n "${DIGNA:-}" ] && [ -n "${CEILING:-}" ] || cargo build -q -p server --bin digna --example export_ceiling
  DIGNA=${DIGNA:-target/debug/digna}
  CEILING=${CEILING:-target/debug/examples/export_ceiling}
else
  ROWS=${1:-1000000}
  RUNS=${RUNS:-3}
  [ -n "${DIGNA:-}" ] && [ -n "${CEILING:-}" ] ||
    cargo build -q --release -p server --bin digna --example export_ceiling
  DIGNA=${DIGNA:-target/release/digna}
  CEILING=${CEILING:-target/release/examples/export_ceiling}
fi
for tool in sqlite3 /usr/bin/time python3 bc; do
  command -v "$tool" >/dev/null || { echo "bench/export.sh needs $tool" >&2; exit 1; }
done
postgres=${BENCH_POSTGRES:-0}

if [ "$postgres" = 1 ]; then
  # About 450 bytes a response in SQLite and 1,500 in PostgreSQL, with slack.
  need_kb=$(( ROWS * 2000 / 1024 + 300000 ))
  base=${BENCH_TMPDIR:-}
  if [ -z "$base" ]; then
    for d in "${TMPDIR:-/tmp}" /tmp /dev/shm; do
      [ -d "$d" ] && [ -w "$d" ] || continue
      if [ "$(df -Pk "$d" | awk 'NR==2 {print $4}')" -ge "$need_kb" ]; then base=$d; break; fi
    done
  fi
  [ -n "$base" ] || { echo "no temporary directory has $(( need_kb / 1024 )) MB free; set BENCH_TMPDIR" >&2; exit 1; }
  work=$(mktemp -d -p "$base")
else
  work=$(mktemp -d)
fi
cluster=
trap '[ -z "$cluster" ] || scripts/pg-cluster.sh stop "$cluster"
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"' EXIT
db="$work/bench.db"
export DATABASE_URL="sqlite://$db" DIGNA_KEY_FILE="$work/bench.key"
# The first station through the CLI: it creates the database and runs the migrations.
"$DIGNA" station add --code BENCH-01 --name "Comisaría de prueba 1" --region "Lima Centro" >/dev/null

echo "Generating $ROWS responses…"
gen_start=$(date +%s.%N)
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
INSERT INTO stations (code, name, region)
SELECT printf('BENCH-%02d', i), printf('Comisaría de prueba %d', i), CASE WHEN i <= 10 THEN 'Lima Centro' ELSE 'Lima Norte' END
FROM n;
INSERT INTO stations (code, name, region) VALUES ('BENCH-21', 'Comisaría pequeña', 'Callao');
-- i spreads the responses over stations, weeks and profiles; ids are random, so the
-- export's order (by id) says nothing about who came first.
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $ROWS)
INSERT INTO responses (id, station_id, survey_version, iso_week, language, respondent, age_band, suspect)
SELECT randomblob(16), s.id, 1, printf('2026-W%02d', 10 + (i / 7) % 4),
       CASE WHEN i % 100 < 90 THEN 'es' WHEN i % 100 < 97 THEN 'qu' WHEN i % 100 < 99 THEN 'ay' ELSE 'en' END,
       CASE i % 10 WHEN 0 THEN NULL WHEN 1 THEN 'companion' WHEN 2 THEN 'child' ELSE 'self' END,
       CASE (i / 3) % 10 WHEN 0 THEN NULL WHEN 1 THEN '12-17' WHEN 2 THEN 'under-12' ELSE '18-plus' END,
       i % 200 = 0
FROM n JOIN stations s ON s.code = printf('BENCH-%02d', CASE WHEN i % 50000 = 7 THEN 21 ELSE 1 + i % 20 END);
WITH q(key, kind) AS (VALUES ('respect', 's'), ('believed', 's'), ('informed', 's'), ('privacy', 's'),
       ('language', 's'), ('safety', 's'), ('overall', 's'), ('waiting_time', 'w'),
       ('information', 'i'), ('respect', 'i'), ('privacy', 'i'), ('waiting', 'i'), ('language', 'i'),
       ('children', 'i'), ('safety', 'i'))
INSERT INTO answers (response_id, question_key, value)
SELECT r.id, CASE q.kind WHEN 'i' THEN 'improve' ELSE q.key END,
       CASE q.kind
         WHEN 's' THEN CASE WHEN abs(random()) % 20 = 0 THEN 'rather_not' ELSE CAST(1 + abs(random()) % 4 AS TEXT) END
         WHEN 'w' THEN CASE abs(random()) % 4 WHEN 0 THEN 'under-15' WHEN 1 THEN '15-30' WHEN 2 THEN '30-60' ELSE 'over-60' END
         ELSE q.key END
FROM responses r CROSS JOIN q
WHERE q.kind != 'i' OR abs(random()) % 7 = 0;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
answers=$(sqlite3 "$db" "SELECT COUNT(*) FROM answers")
echo "  $answers answers, generated in $(printf '%.1f' "$(echo "$(date +%s.%N) - $gen_start" | bc -l)") s"

# The sqlite3 shell's plain read, for reference: answers pivoted into one column each
# (conditional aggregation over the survey's questions), or gathered into one column.
stations="SELECT id FROM stations WHERE code LIKE 'BENCH-%'"
where="r.station_id IN ($stations) AND r.iso_week IN ('2026-W10', '2026-W11', '2026-W12', '2026-W13')
       AND r.survey_version = 1 AND r.suspect = 0"
pivot=$(sqlite3 "$db" "SELECT group_concat(e, ', ') FROM (
  SELECT q.position AS p, 0 AS c, printf('MAX(CASE WHEN a.question_key = %Q THEN a.value END)', q.key) AS e
    FROM questions q WHERE q.survey_version = 1 AND q.profile = 0 AND q.kind != 'multi'
  UNION ALL
  SELECT q.position, ch.position, printf('MAX(a.question_key = %Q AND a.value = %Q)', q.key, ch.key)
    FROM questions q JOIN choices ch ON ch.survey_version = q.survey_version AND ch.question_key = q.key
    WHERE q.survey_version = 1 AND q.profile = 0 AND q.kind = 'multi'
  ORDER BY 1, 2)")
shell_pivot="SELECT s.code, s.region, r.iso_week, r.language, r.respondent, r.age_band, r.survey_version, $pivot
  FROM responses r JOIN stations s ON s.id = r.station_id LEFT JOIN answers a ON a.response_id = r.id
  WHERE $where GROUP BY r.id ORDER BY r.id;"
shell_json="SELECT s.code, s.region, r.iso_week, r.language, r.respondent, r.age_band, r.survey_version,
  (SELECT json_group_object(a.question_key, a.value) FROM answers a WHERE a.response_id = r.id)
  FROM responses r JOIN stations s ON s.id = r.station_id WHERE $where ORDER BY r.id;"

if [ "$postgres" = 1 ]; then
  # The cluster runs as an unprivileged user (nobody, for root): it must reach its directory.
  chmod 711 "$work"
  cluster="$work/cluster"
  scripts/pg-cluster.sh start "$cluster" >/dev/null
  pg_url=$(scripts/pg-cluster.sh createdb "$cluster" digna_export)
  copy_start=$(date +%s.%N)
  "$DIGNA" migrate-db --from "$DATABASE_URL" --to "$pg_url" >"$work/migrate.txt" ||
    { cat "$work/migrate.txt" >&2; exit 1; }
  echo "  copied into PostgreSQL in $(printf '%.1f' "$(echo "$(date +%s.%N) - $copy_start" | bc -l)") s"
  rm -f "$db" "$db-wal" "$db-shm"
  export DATABASE_URL=$pg_url
  psql "$pg_url" -qAt -c "VACUUM ANALYZE" >/dev/null
  postmaster=$(head -n 1 "$cluster/data/postmaster.pid")
  # CPU seconds of the cluster: its live processes plus the ended ones it has reaped.
  pg_cpu() {
    python3 - "$postmaster" <<'PY'
import os, sys
pm = sys.argv[1]
def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()
f = fields(pm)
total = int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
for pid in os.listdir("/proc"):
    if pid.isdigit() and pid != pm:
        try:
            c = fields(pid)
        except OSError:
            continue
        if c[1] == pm:
            total += int(c[11]) + int(c[12])
print(total / os.sysconf("SC_CLK_TCK"))
PY
  }
  pg_where="r.station_id IN (SELECT id FROM stations WHERE code LIKE 'BENCH-%')
    AND r.iso_week IN ('2026-W10', '2026-W11', '2026-W12', '2026-W13') AND r.survey_version = 1 AND NOT r.suspect"
  pg_copy="\\copy (SELECT s.code, s.region, r.iso_week, r.language, r.respondent, r.age_band, r.survey_version,
    (SELECT json_object_agg(a.question_key, a.value) FROM answers a WHERE a.response_id = r.id)
    FROM responses r JOIN stations s ON s.id = r.station_id WHERE $pg_where ORDER BY r.id) TO '$work/ceiling.csv' WITH CSV"
  pg_copy=$(tr '\n' ' ' <<<"$pg_copy")  # a psql backslash command is one line
fi

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
cpu() { awk -F': ' '/User time|System time/ {s += $2} END {printf "%.3f", s}' "$1"; }
ceiling_runs=() ceiling_cpu_runs=() shell_runs=() digna_runs=() digna_cpu_runs=() rss_runs=()
pg_ceiling_cpu_runs=() pg_digna_cpu_runs=()
for run in $(seq "$RUNS"); do
  if [ "$postgres" = 1 ]; then
    # The ceiling (psql's \copy) and Digna, back to back; PostgreSQL's CPU around each.
    cpu0=$(pg_cpu) start=$(now)
    psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -c "$pg_copy" >/dev/null
    t=$(echo "$(now) - $start" | bc -l)
    ceiling_runs+=("$t")
    pg_ceiling_cpu_runs+=("$(echo "$(pg_cpu) - $cpu0" | bc -l)")
    ceiling_rows=$(wc -l <"$work/ceiling.csv")
    shell_rows=$ceiling_rows
    rm -f "$work/ceiling.csv" "$work/out.zip"
    cpu0=$(pg_cpu) start=$(now)
    /usr/bin/time -v "$DIGNA" export --out "$work/out.zip" --from 2026-03-01 --to 2026-03-31 --format csv \
      >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
    t=$(echo "$(now) - $start" | bc -l)
    pg_digna_cpu_runs+=("$(echo "$(pg_cpu) - $cpu0" | bc -l)")
    digna_runs+=("$t")
    digna_cpu_runs+=("$(cpu "$work/time.txt")")
    rss_runs+=("$(awk '/Maximum resident set size/ {print $NF}' "$work/time.txt")")
    printf '  run %d: psql \\copy %.2f s (PostgreSQL CPU %.2f s), digna %.2f s (CPU %.2f s, PostgreSQL CPU %.2f s), peak RSS %d kB\n' \
      "$run" "${ceiling_runs[-1]}" "${pg_ceiling_cpu_runs[-1]}" "$t" "${digna_cpu_runs[-1]}" "${pg_digna_cpu_runs[-1]}" \
      "${rss_runs[-1]}"
    continue
  fi
  # The ceiling, the shell and Digna, back to back.
  start=$(now)
  /usr/bin/time -v "$CEILING" --database "$DATABASE_URL" --weeks 2026-W10,2026-W11,2026-W12,2026-W13 \
    --out "$work/ceiling.csv" >"$work/ceiling.json" 2>"$work/ceiling-time.txt" \
    || { cat "$work/ceiling.json" "$work/ceiling-time.txt" >&2; exit 1; }
  t=$(echo "$(now) - $start" | bc -l)
  ceiling_runs+=("$t")
  ceiling_cpu_runs+=("$(cpu "$work/ceiling-time.txt")")
  ceiling_rows=$(wc -l <"$work/ceiling.csv")
  rm -f "$work/ceiling.csv"
  best=""
  for sql in "$shell_pivot" "$shell_json"; do
    start=$(now)
    sqlite3 -csv "$db" "$sql" >"$work/shell.csv"
    t=$(echo "$(now) - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  shell_rows=$(wc -l <"$work/shell.csv")
  rm -f "$work/shell.csv"
  shell_runs+=("$best")
  rm -f "$work/out.zip"
  start=$(now)
  /usr/bin/time -v "$DIGNA" export --out "$work/out.zip" --from 2026-03-01 --to 2026-03-31 --format csv \
    >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt" >&2; exit 1; }
  t=$(echo "$(now) - $start" | bc -l)
  digna_runs+=("$t")
  digna_cpu_runs+=("$(cpu "$work/time.txt")")
  rss_runs+=("$(awk '/Maximum resident set size/ {print $NF}' "$work/time.txt")")
  printf '  run %d: ceiling %.2f s (CPU %.2f s), sqlite3 shell %.2f s, digna %.2f s (CPU %.2f s), peak RSS %d kB\n' \
    "$run" "${ceiling_runs[-1]}" "${ceiling_cpu_runs[-1]}" "$best" "$t" "${digna_cpu_runs[-1]}" "${rss_runs[-1]}"
done
grep -E "^Exported" "$work/out.txt" | sed 's/^/  /'
exported=$(sed -nE 's/^Exported ([0-9]+) responses.*/\1/p' "$work/out.txt")
suppressed=$(sed -nE 's/.*\(([0-9]+) suppressed.*/\1/p' "$work/out.txt")
read_rows=$((exported + suppressed))
for other in "$ceiling_rows" "$shell_rows"; do
  [ "$read_rows" = "$other" ] || {
    echo "Digna read $read_rows responses, a ceiling $other: not the same rows" >&2
    exit 1
  }
done
zip_bytes=$(stat -c %s "$work/out.zip")

if [ "${BENCH_SMOKE:-}" = 1 ]; then smoke=true; else smoke=false; fi
if [ "$postgres" = 1 ]; then
  python3 - "$read_rows" "$smoke" "$RUNS" "$answers" "$exported" "$zip_bytes" "$(median "${rss_runs[@]}")" \
    "${digna_runs[*]}" "${digna_cpu_runs[*]}" "${ceiling_runs[*]}" "${pg_digna_cpu_runs[*]}" "${pg_ceiling_cpu_runs[*]}" \
    "$(psql "$DATABASE_URL" -qAt -c "SHOW server_version")" <<'PY' | python3 bench/record.py
import json, statistics, sys
rows, smoke, runs, answers, exported, zip_bytes, rss_kb = (
    int(sys.argv[1]), sys.argv[2] == "true", int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
    int(sys.argv[6]), int(sys.argv[7]))
digna, digna_cpu, ceiling, pg_digna, pg_ceiling = ([float(x) for x in a.split()] for a in sys.argv[8:13])
med = statistics.median
budget = lambda b, kind: {} if smoke else {"budget": b, "budget_kind": kind}
ceiling_what = ("psql \\copy of the same responses with their answers as one JSON object each, to a CSV file: "
                "no anonymization, no coding, no ZIP")
print(json.dumps({
    "name": "export-postgres",
    "params": {"postgres": sys.argv[13], "responses": rows, "answers": answers, "exported_rows": exported,
               "zip_bytes": zip_bytes, "median_of": runs, "command": "digna export --format csv",
               "seconds": {"digna": digna, "ceiling": ceiling},
               "cpu_seconds": {"digna": digna_cpu, "postgres_under_digna": pg_digna,
                               "postgres_under_ceiling": pg_ceiling}},
    "figures": [
        {"metric": "CSV export throughput", "value": round(rows / med(digna)), "unit": "rows/s",
         "ceiling": round(rows / med(ceiling)), "ceiling_what": ceiling_what, **budget(300000, "min")},
        {"metric": "CSV export, Digna's CPU time", "value": round(med(digna_cpu), 2), "unit": "s"},
        {"metric": "CSV export, PostgreSQL's CPU time", "value": round(med(pg_digna), 2), "unit": "s",
         "ceiling": round(med(pg_ceiling), 2), "ceiling_what": "PostgreSQL's CPU time under the ceiling"},
        {"metric": "CSV export peak RSS", "value": round(rss_kb / 1024, 1), "unit": "MB", **budget(64, "max")},
    ],
}))
PY
  exit 0
fi
python3 - "$read_rows" "$smoke" "$RUNS" "$answers" "$exported" "$zip_bytes" "$(median "${rss_runs[@]}")" \
  "${digna_runs[*]}" "${digna_cpu_runs[*]}" "${ceiling_runs[*]}" "${ceiling_cpu_runs[*]}" "${shell_runs[*]}" \
  <<'PY' | python3 bench/record.py
import json, statistics, sys
rows, smoke, runs, answers, exported, zip_bytes, rss_kb = (
    int(sys.argv[1]), sys.argv[2] == "true", int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
    int(sys.argv[6]), int(sys.argv[7]))
digna, digna_cpu, ceiling, ceiling_cpu, shell = ([float(x) for x in a.split()] for a in sys.argv[8:13])
med = statistics.median
budget = lambda b, kind: {} if smoke else {"budget": b, "budget_kind": kind}
ceiling_what = ("export_ceiling example: the same responses read through sqlx in pages into a CSV file, "
                "no anonymization, no coding, no ZIP")
print(json.dumps({
    "name": "export",
    "params": {"responses": rows, "answers": answers, "exported_rows": exported, "zip_bytes": zip_bytes,
               "median_of": runs, "command": "digna export --format csv",
               "seconds": {"digna": digna, "ceiling": ceiling, "sqlite3_shell": shell},
               "cpu_seconds": {"digna": digna_cpu, "ceiling": ceiling_cpu}},
    "figures": [
        {"metric": "CSV export throughput", "value": round(rows / med(digna)), "unit": "rows/s",
         "ceiling": round(rows / med(ceiling)), "ceiling_what": ceiling_what, **budget(300000, "min")},
        {"metric": "CSV export CPU time", "value": round(med(digna_cpu), 2), "unit": "s",
         "ceiling": round(med(ceiling_cpu), 2), "ceiling_what": ceiling_what},
        {"metric": "CSV export peak RSS", "value": round(rss_kb / 1024, 1), "unit": "MB", **budget(64, "max")},
        {"metric": "sqlite3 shell plain read (reference)", "value": round(rows / med(shell)), "unit": "rows/s"},
    ],
}))
PY
