# Starts a private PostgreSQL server for the integration test and exports
# INFRAWISE_TEST_PG. Source it (`. .ci/postgres.sh`) from bash; `.ci/run`
# does. Locally:
#
#     . .ci/postgres.sh && cargo test --test postgres; infrawise_pg_stop
#
# Installs the Debian package `postgresql` when no server binaries are
# found (with sudo unless root), then, as an unprivileged user (root may
# not run initdb; when root, the user `infrawise-ci` is created), runs
# initdb into a temporary directory and starts the server on a private
# Unix socket in that directory, with TCP off. Stop it with
# `infrawise_pg_stop` (`.ci/run` does so on exit).

infrawise_pg_bin() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$initdb" ] && command -v initdb >/dev/null 2>&1; then
        initdb=$(command -v initdb)
    fi
    [ -n "$initdb" ] && dirname "$initdb"
}

infrawise_pg_start() {
    local bin sudo="" user port
    bin=$(infrawise_pg_bin)
    if [ -z "$bin" ]; then
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        echo "postgres: installing the postgresql package" >&2
        $sudo apt-get update -qq >&2 &&
            DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2 || return 1
        bin=$(infrawise_pg_bin)
        [ -n "$bin" ] || { echo "postgres: initdb not found after install" >&2; return 1; }
    fi
    INFRAWISE_PG_DIR=$(mktemp -d /tmp/infrawise-pg.XXXXXX)
    port=${INFRAWISE_PG_PORT:-54329}
    if [ "$(id -u)" -eq 0 ]; then
        user=infrawise-ci
        id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
        chown "$user" "$INFRAWISE_PG_DIR"
        INFRAWISE_PG_AS=(runuser -u "$user" --)
    else
        user=$(id -un)
        INFRAWISE_PG_AS=()
    fi
    "${INFRAWISE_PG_AS[@]}" "$bin/initdb" -D "$INFRAWISE_PG_DIR/data" -U postgres \
        --auth=trust --no-sync -E UTF8 >"$INFRAWISE_PG_DIR/initdb.log" 2>&1 ||
        { cat "$INFRAWISE_PG_DIR/initdb.log" >&2; return 1; }
    "${INFRAWISE_PG_AS[@]}" "$bin/pg_ctl" -D "$INFRAWISE_PG_DIR/data" -w -l "$INFRAWISE_PG_DIR/server.log" \
        -o "-k $INFRAWISE_PG_DIR -p $port -c listen_addresses='' -c fsync=off" start >&2 ||
        { cat "$INFRAWISE_PG_DIR/server.log" >&2; return 1; }
    "$bin/createdb" -h "$INFRAWISE_PG_DIR" -p "$port" -U postgres infrawise_test >&2 || return 1
    INFRAWISE_PG_BIN=$bin
    INFRAWISE_PG_SOCKET=$INFRAWISE_PG_DIR
    INFRAWISE_PG_PORT=$port
    export INFRAWISE_PG_BIN INFRAWISE_PG_SOCKET INFRAWISE_PG_PORT
    export INFRAWISE_TEST_PG="postgresql://postgres@/infrawise_test?host=$INFRAWISE_PG_DIR&port=$port"
    echo "postgres: server $("$bin/postgres" --version) on $INFRAWISE_PG_DIR port $port" >&2
}

infrawise_pg_stop() {
    if [ -n "${INFRAWISE_PG_DIR:-}" ] && [ -d "$INFRAWISE_PG_DIR/data" ]; then
        "${INFRAWISE_PG_AS[@]}" "$INFRAWISE_PG_BIN/pg_ctl" -D "$INFRAWISE_PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$INFRAWISE_PG_DIR"
    fi
    unset INFRAWISE_PG_DIR INFRAWISE_TEST_PG
}

infrawise_pg_start
