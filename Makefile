# Digna. Two commands on a fresh machine:
#   make run    installs what is missing, builds, seeds demo data once, serves on http://127.0.0.1:3000
#   make test   installs what is missing, runs format and lint checks, every Rust test and Playwright
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/tools/node_modules/.bin:$(PATH)
# Compile-time checked queries come from the committed .sqlx/ folder, whatever DATABASE_URL says.
export SQLX_OFFLINE := true
-include .env
export

DIGNA := target/release/digna
E2E_DATA := end2end/.e2e-data

.PHONY: run test tools test-tools lint rust-test schemathesis e2e e2e-postgres build site sqlx-prepare sqlx-check pg-sqlx-prepare pg-sqlx-check bench bench-smoke fuzz

run: tools build
	@$(DIGNA) seed-demo
	@code=$$($(DIGNA) tablet enroll --station LIM-01 | tail -n 1); \
	  printf '\n  Digna is starting on http://127.0.0.1:3000\n'; \
	  printf '  Kiosk (enrolls this browser as a tablet at LIM-01):\n    http://127.0.0.1:3000/kiosk?code=%s\n' "$$code"; \
	  printf '  Enrollment code: %s (one use, valid 24 hours)\n' "$$code"; \
	  printf '  Dashboards: http://127.0.0.1:3000/signin (demo accounts above)\n\n'
	$(DIGNA) serve

# The browser tests drive the server binary that `cargo test` built (target/debug/digna)
# and the release front end: one server build less on a two-core CI machine.
test: test-tools lint rust-test schemathesis site e2e e2e-postgres

tools:
	@scripts/install-tools.sh

test-tools:
	@scripts/install-tools.sh --test

# --split: the kiosk's staff screens are a WebAssembly module of their own, loaded when
# one opens (`staff_screens`, wasm_split in app/src/pages/kiosk.rs); a front end built
# without it cannot start. The pkg folder is emptied first, so that no lazy module of an
# older build is left over.
build:
	rm -rf target/site/pkg
	cargo leptos build --release --split

# Only the front end (WebAssembly, styles, assets) into target/site.
site:
	rm -rf target/site/pkg
	cargo leptos build --release --split --frontend-only

lint:
	cargo fmt --all -- --check
	cargo clippy -p domain --features server --all-targets -- -D warnings
	cargo clippy -p store --features conformance --all-targets -- -D warnings
	cargo clippy -p store-sqlite --all-targets -- -D warnings
	cargo clippy -p store-postgres --all-targets -- -D warnings
	cargo clippy -p server --all-targets -- -D warnings
	cargo clippy -p app --features ssr --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings
	$(MAKE) --no-print-directory sqlx-check pg-sqlx-check

# PostgreSQL tests run on a throwaway cluster of their own (scripts/pg-cluster.sh), on a
# free loopback port, deleted when they end. In /tmp: the cluster runs as an unprivileged
# user (nobody, for root), who may not be able to enter the checkout.
PG_TEST := $(shell mktemp -u -d /tmp/digna-pg-test.XXXXXX)

rust-test:
	cargo test -p domain --features server
	cargo test -p store-sqlite   # with the store's conformance suite (tests/conformance.rs)
	cargo test -p app --features ssr
	scripts/pg-cluster.sh stop $(PG_TEST); trap 'scripts/pg-cluster.sh stop $(PG_TEST)' EXIT; \
	  export DIGNA_TEST_POSTGRES=$$(scripts/pg-cluster.sh start $(PG_TEST) --fast); \
	  cargo test -p store-postgres && cargo test -p server && \
	  DIGNA_TEST_BACKEND=postgres cargo test -p server --test api

# Schema-driven hostile requests (Schemathesis from tools/venv) against the debug server.
schemathesis:
	cargo test -p server --no-run
	scripts/schemathesis.sh

E2E_DIGNA ?= ../target/debug/digna

e2e:
	cargo test -p server --no-run
	rm -rf $(E2E_DATA)
	cd end2end && E2E_DIGNA=$(E2E_DIGNA) npx playwright test

# One walk of the kiosk and one of the dashboards on PostgreSQL (a throwaway cluster).
E2E_PG_TESTS := -g "a visitor answers the whole survey by touch|a supervisor reads the overview, a station"

e2e-postgres:
	cargo test -p server --no-run
	rm -rf end2end/.e2e-data-pg; pg=$$(mktemp -u -d /tmp/digna-pg-e2e.XXXXXX); trap "$(CURDIR)/scripts/pg-cluster.sh stop $$pg" EXIT; \
	  scripts/pg-cluster.sh start $$pg --fast >/dev/null; url=$$(scripts/pg-cluster.sh createdb $$pg digna_e2e); \
	  cd end2end && E2E_DATABASE_URL=$$url E2E_PORT=3211 E2E_DATA_DIR=.e2e-data-pg E2E_DIGNA=$(E2E_DIGNA) \
	    npx playwright test tests/kiosk.spec.ts tests/dashboard.spec.ts $(E2E_PG_TESTS)

# All SQL is in store-sqlite, and its committed store-sqlite/.sqlx/ must match the
# queries: regenerate it after changing one.
sqlx-prepare:
	mkdir -p target && rm -f target/sqlx.db && DATABASE_URL=sqlite://$(CURDIR)/target/sqlx.db sqlx database setup --source store-sqlite/migrations
	cd store-sqlite && DATABASE_URL=sqlite://$(CURDIR)/target/sqlx.db SQLX_OFFLINE=false cargo sqlx prepare -- --all-targets

sqlx-check:
	mkdir -p target && rm -f target/sqlx.db && DATABASE_URL=sqlite://$(CURDIR)/target/sqlx.db sqlx database setup --source store-sqlite/migrations
	cd store-sqlite && DATABASE_URL=sqlite://$(CURDIR)/target/sqlx.db SQLX_OFFLINE=false cargo sqlx prepare --check -- --all-targets

# store-postgres's committed .sqlx/ must match its queries: pg-sqlx-prepare regenerates it
# from a database migrated on a development cluster (/tmp/digna-pg-dev, kept running);
# pg-sqlx-check regenerates it aside and compares.
PG_DEV := /tmp/digna-pg-dev
PG_SQLX_OUT ?= $(CURDIR)/store-postgres/.sqlx

pg-sqlx-prepare:
	url=$$(scripts/pg-cluster.sh start $(PG_DEV)); db=$${url%/postgres}/digna_sqlx; \
	  psql "$$url" -qc 'DROP DATABASE IF EXISTS digna_sqlx' -c 'CREATE DATABASE digna_sqlx'; \
	  for f in store-postgres/migrations/*.sql; do psql -q -v ON_ERROR_STOP=1 "$$db" -f "$$f"; done; \
	  rm -rf $(PG_SQLX_OUT) && mkdir -p $(PG_SQLX_OUT) && touch store-postgres/src/lib.rs && \
	  DATABASE_URL=$$db SQLX_OFFLINE=false SQLX_OFFLINE_DIR=$(PG_SQLX_OUT) cargo check -q -p store-postgres --all-targets

pg-sqlx-check:
	rm -rf target/pg-sqlx; trap 'scripts/pg-cluster.sh stop $(PG_TEST)' EXIT; \
	  $(MAKE) --no-print-directory pg-sqlx-prepare PG_SQLX_OUT=$(CURDIR)/target/pg-sqlx PG_DEV=$(PG_TEST)
	diff -r store-postgres/.sqlx target/pg-sqlx || { echo 'store-postgres/.sqlx is stale: run make pg-sqlx-prepare' >&2; exit 1; }

# Benchmarks (not part of `make test`): figures beside ceilings and budgets, see BENCHMARKS.md.
bench: tools build
	bench/run.sh

# Tiny sizes with the debug builds `make test` made: proves the benchmarks build and run.
# (DIGNA, exported above, names the release binary: each smoke mode picks its debug one.)
bench-smoke:
	env -u DIGNA BENCH_SMOKE=1 bench/run.sh

# Fuzzing (not part of `make test`, which replays the committed corpus in `cargo test`):
# every target for FUZZ_SECONDS each, one after the other, printing its executions. Builds
# go to fuzz/target with nightly; the corpus grows in fuzz/corpus-run (not committed),
# seeded from fuzz/corpus. A crash stops the run and leaves its input in fuzz/artifacts:
# fix the product, then commit the input to fuzz/regressions/<target>/.
# No sanitizer: the code is safe Rust, and without one a target runs several times faster;
# debug assertions (-a) keep integer overflow checks on.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= submission_body sealed_frame survey_definition staff_forms export_filters backup_records backup_restore
FUZZ_FLAGS := -O -a -s none

fuzz:
	@scripts/install-tools.sh --fuzz
	cargo +nightly fuzz build $(FUZZ_FLAGS)
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus-run/$$t; \
	  printf '\n==> %s for %s seconds\n' "$$t" "$(FUZZ_SECONDS)"; \
	  cargo +nightly fuzz run $(FUZZ_FLAGS) $$t fuzz/corpus-run/$$t fuzz/corpus/$$t -- \
	    -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 > fuzz/corpus-run/$$t.log 2>&1 \
	    || { tail -n 40 fuzz/corpus-run/$$t.log; exit 1; }; \
	  grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs)' fuzz/corpus-run/$$t.log; \
	done
