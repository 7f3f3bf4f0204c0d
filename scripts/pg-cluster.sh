#!/usr/bin/env bash
# A throwaway PostgreSQL cluster of Digna's own, for tests, benchmarks and development:
# never the system's cluster. Installs PostgreSQL from Debian when it is missing.
#
#   scripts/pg-cluster.sh start DIR [--fast]   initdb in DIR (made if missing), start on a
#                                              free loopback port, print its URL
#                                              (postgres://digna@127.0.0.1:PORT/postgres)
#                                              and write it to DIR/url; --fast turns fsync
#                                              off (tests only, never benchmarks)
#                                              (PG_OPTIONS: more server options, such as
#                                              "-c track_commit_timestamp=on" for a test)
#   scripts/pg-cluster.sh stop DIR             stop it and delete DIR
#   scripts/pg-cluster.sh createdb DIR NAME    make a database, print its URL
#
# initdb and the server run as an unprivileged user: the caller, or `nobody` for root.
set -euo pipefail

bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/pg_ctl" ]]; then
        pg_config --bindir
        return
    fi
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
    if [[ -n "$dir" && -x "$dir/pg_ctl" ]]; then
        echo "$dir"
        return
    fi
    return 1
}

install_postgres() {
    echo "==> Installing PostgreSQL from Debian (once)" >&2
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    # No cluster of the system's own: Digna's tests start their own.
    $sudo mkdir -p /etc/postgresql-common
    [[ -e /etc/postgresql-common/createcluster.conf ]] ||
        echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o Dpkg::Options::=--force-confold \
        postgresql >&2
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env -- env PATH="$PATH" "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { sed -n '2,15p' "$0" >&2; exit 2; }

case "$cmd" in
start)
    bin=$(bindir) || { install_postgres; bin=$(bindir); }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [[ -f "$dir/url" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        cat "$dir/url"
        exit 0
    fi
    [[ $(id -u) -ne 0 ]] || chown nobody:nogroup "$dir"
    chmod 700 "$dir"
    if [[ ! -f "$dir/data/PG_VERSION" ]]; then
        as_owner "$bin/initdb" -D "$dir/data" -U digna --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
            >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=$(free_port)
    extra="${PG_OPTIONS:-}"
    [[ "${3:-}" != "--fast" ]] || extra="$extra -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    # Loopback only, a socket in DIR, no statement logging (a logged statement is dated).
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300 -c shared_buffers=128MB $extra" \
        start >/dev/null
    echo "postgres://digna@127.0.0.1:$port/postgres" | tee "$dir/url"
    ;;
stop)
    if [[ -d "$dir/data" ]]; then
        bin=$(bindir)
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
createdb)
    name=${3:?a database name}
    url=$(cat "$dir/url")
    psql "$url" -qAt -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$name\"" >/dev/null
    echo "${url%/postgres}/$name"
    ;;
*)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
