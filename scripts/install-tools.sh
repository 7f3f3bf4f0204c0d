#!/usr/bin/env bash
# Installs what building and testing Digna needs, and only what is missing.
# Usage: scripts/install-tools.sh [--test]   (--test adds Chromium, sqlite3, sqlx-cli, Playwright
#                                            and Schemathesis and aiosmtpd in tools/venv)
#        scripts/install-tools.sh --fuzz     (only what `make fuzz` needs: nightly Rust and cargo-fuzz)
# Versions are those known to work offline here: see docs in README, "Building".
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.130   # must equal wasm-bindgen in Cargo.lock
SQLX_CLI_VERSION=0.8.6
SCHEMATHESIS_VERSION=4.32.5   # from PyPI, into tools/venv
AIOSMTPD_VERSION=1.4.6        # from PyPI, into tools/venv: the tests' real SMTP server
export PATH="$HOME/.cargo/bin:$PWD/tools/node_modules/.bin:$PATH"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
have_version() { "$@" 2>/dev/null | head -n1; }

# The fuzz targets (fuzz/) build with libFuzzer's instrumentation, which needs nightly.
if [[ "${1:-}" == "--fuzz" ]]; then
    if ! rustup toolchain list | grep -q '^nightly'; then
        step "Installing the nightly Rust toolchain (for cargo-fuzz)"
        rustup toolchain install nightly --profile minimal
    fi
    if ! cargo fuzz --version >/dev/null 2>&1; then
        step "Installing cargo-fuzz (about 3 minutes, once)"
        cargo install cargo-fuzz --locked
    fi
    exit 0
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
        step "Adding rustup component $component"
        rustup component add "$component"
    fi
done

if [[ "$(have_version cargo leptos --version)" != *" $CARGO_LEPTOS_VERSION"* ]]; then
    step "Installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if [[ "$(have_version wasm-bindgen --version)" != *" $WASM_BINDGEN_VERSION"* ]]; then
    step "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes, once)"
    # Not --locked: one of its locked dependencies is missing from the registry.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt from npm's binaryen; cargo-leptos would otherwise try to download it.
if [[ ! -x tools/node_modules/.bin/wasm-opt || tools/package-lock.json -nt tools/node_modules/.package-lock.json ]]; then
    step "Installing wasm-opt (npm binaryen)"
    (cd tools && npm ci --no-audit --no-fund)
fi

if [[ "${1:-}" == "--test" ]]; then
    missing=()
    command -v chromium >/dev/null || missing+=(chromium)
    command -v sqlite3 >/dev/null || missing+=(sqlite3)
    [[ -x /usr/bin/python3 ]] || missing+=(python3)
    /usr/bin/python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
    if ((${#missing[@]})); then
        step "Installing ${missing[*]} from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    fi
    if [[ "$(have_version sqlx --version)" != *" $SQLX_CLI_VERSION"* ]]; then
        step "Installing sqlx-cli $SQLX_CLI_VERSION (about 2 minutes, once)"
        cargo install sqlx-cli --version "$SQLX_CLI_VERSION" --no-default-features --features sqlite,rustls --locked
    fi
    if [[ "$(have_version tools/venv/bin/schemathesis --version)" != *"version $SCHEMATHESIS_VERSION" ]]; then
        step "Installing Schemathesis $SCHEMATHESIS_VERSION from PyPI into tools/venv (about a minute, once)"
        rm -rf tools/venv
        /usr/bin/python3 -m venv tools/venv
        tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
    fi
    if [[ "$(tools/venv/bin/python -c 'import aiosmtpd; print(aiosmtpd.__version__)' 2>/dev/null)" != "$AIOSMTPD_VERSION" ]]; then
        step "Installing aiosmtpd $AIOSMTPD_VERSION from PyPI into tools/venv (the tests' mail server)"
        tools/venv/bin/pip install --quiet --disable-pip-version-check "aiosmtpd==$AIOSMTPD_VERSION"
    fi
    if [[ ! -d end2end/node_modules/@playwright/test || end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]]; then
        step "Installing Playwright (the test runner only; it drives Debian's Chromium)"
        (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    fi
fi
