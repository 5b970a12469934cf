#!/bin/sh
# Entrypoint of the locally built PostgreSQL images (see README.md).
#
# It follows the contract of the official `postgres` image as far as the test
# harness relies on it: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB /
# POSTGRES_HOST_AUTH_METHOD / POSTGRES_INITDB_ARGS, scripts in
# /docker-entrypoint-initdb.d, and a CMD made of postgres flags
# (e.g. `-c fsync=off`).
#
# Readiness contract: testcontainers' postgres module waits for
# "database system is ready to accept connections" on stderr, then on stdout.
# As in the official image, the temporary server that runs the init steps is
# started by pg_ctl without -l, so its log goes to stdout; the final server
# logs to stderr.
#
# Speed: the image ships a cluster that build.sh initialized already
# (`docker-entrypoint.sh prebuild-cluster`), marked by PREBUILT_MARKER, in
# PGDATA and as PREBUILT_ARCHIVE for when an empty mount (e.g. tmpfs) hides
# PGDATA. initdb costs seconds per container (on fuse-overlayfs about 3 s of a
# 4 s start, on tmpfs about 1.5 s); configuring the prebuilt cluster costs a
# fraction of that. It is used when it matches what initdb would have made,
# i.e. for the default superuser name and no POSTGRES_INITDB_ARGS; otherwise
# the entrypoint runs initdb like the official image.
set -eu

# Debian's PostgreSQL 15; the images of other majors set PGBIN to theirs.
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
SOCKET_DIR=/var/run/postgresql
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA
PREBUILT_MARKER="$PGDATA/.prebuilt-cluster-unconfigured"
PREBUILT_ARCHIVE=/var/lib/postgresql/prebuilt-cluster.tar.gz
PREBUILT_USER=postgres

say() { printf 'docker-entrypoint: %s\n' "$*"; }
fail() {
    printf 'docker-entrypoint: error: %s\n' "$*" >&2
    exit 1
}

# A CMD made only of flags means "postgres with these flags"; any other
# command (e.g. `bash`) is run as given, without touching the cluster.
case "${1-}" in
    '' | -*) set -- postgres "$@" ;;
esac
case "$1" in
    postgres | prebuild-cluster) ;;
    *) exec "$@" ;;
esac
command_name="$1"
shift

if [ "$(id -u)" = 0 ]; then
    # initdb and postgres refuse to run as root: prepare the directories the
    # postgres user needs, then re-run this script as that user. setpriv
    # execs directly (no PAM, no session) so signals still reach postgres.
    mkdir -p "$PGDATA" "$SOCKET_DIR"
    chown postgres:postgres "$PGDATA" "$SOCKET_DIR"
    chmod 0700 "$PGDATA"
    chmod 2775 "$SOCKET_DIR"
    exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$command_name" "$@"
fi

# initdb_cluster USER AUTH_METHOD [PWFILE]
initdb_cluster() {
    # POSTGRES_INITDB_ARGS is word-split on purpose (as in the official
    # image); it comes last so its options win over the defaults.
    # shellcheck disable=SC2086
    "$PGBIN/initdb" --pgdata="$PGDATA" --username="$1" ${3:+--pwfile="$3"} \
        --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host="$2" \
        --no-sync --no-instructions \
        ${POSTGRES_INITDB_ARGS:-}
    printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
    # Debian's default; a build from elsewhere may default to /tmp.
    printf "unix_socket_directories = '%s'\n" "$SOCKET_DIR" >>"$PGDATA/postgresql.conf"
}

if [ "$command_name" = prebuild-cluster ]; then
    [ ! -s "$PGDATA/PG_VERSION" ] || fail "$PGDATA already holds a cluster"
    initdb_cluster "$PREBUILT_USER" scram-sha-256
    : >"$PREBUILT_MARKER"
    tar -C "$PGDATA" -czf "$PREBUILT_ARCHIVE" .
    exit 0
fi

POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

psql_as_superuser() {
    "$PGBIN/psql" -v ON_ERROR_STOP=1 --no-psqlrc -q -h "$SOCKET_DIR" -U "$POSTGRES_USER" "$@"
}

run_init_file() {
    case "$1" in
        *.sh)
            if [ -x "$1" ]; then
                say "running $1"
                "$1"
            else
                say "sourcing $1"
                # shellcheck disable=SC1090
                . "$1"
            fi
            ;;
        *.sql)
            say "running $1"
            psql_as_superuser -d "$POSTGRES_DB" -f "$1"
            ;;
        *.sql.gz)
            say "running $1"
            gzip -dc "$1" | psql_as_superuser -d "$POSTGRES_DB"
            ;;
        *) say "ignoring $1 (only .sh, .sql and .sql.gz are run)" ;;
    esac
}

discard_prebuilt_cluster() {
    # Move the directory away rather than empty it: fuse-overlayfs (a Docker
    # storage driver) cannot recreate, in a directory that was kept, a file
    # deleted from an image layer (initdb then fails with "File exists"). A
    # mount point cannot be moved, but then it is a real file system, where
    # emptying it works.
    if mv "$PGDATA" "$PGDATA.prebuilt-unused.$$" 2>/dev/null; then
        mkdir -m 0700 "$PGDATA"
    else
        find "$PGDATA" -mindepth 1 -delete
    fi
}

prebuilt_fits() {
    [ "$POSTGRES_USER" = "$PREBUILT_USER" ] && [ -z "${POSTGRES_INITDB_ARGS:-}" ]
}

if [ ! -e "$PREBUILT_MARKER" ] && [ ! -s "$PGDATA/PG_VERSION" ] && [ -r "$PREBUILT_ARCHIVE" ] &&
    prebuilt_fits && [ -z "$(ls -A "$PGDATA")" ]; then
    # An empty mount hides the prebuilt cluster: unpack its copy (on tmpfs
    # about 0.5 s, against 1.5 s for initdb).
    tar -C "$PGDATA" -xzf "$PREBUILT_ARCHIVE"
fi

if [ -e "$PREBUILT_MARKER" ]; then
    if prebuilt_fits; then
        init_mode=prebuilt
    else
        say "POSTGRES_USER or POSTGRES_INITDB_ARGS differ from the prebuilt cluster; running initdb"
        discard_prebuilt_cluster
        init_mode=initdb
    fi
elif [ ! -s "$PGDATA/PG_VERSION" ]; then
    init_mode=initdb
else
    init_mode=none
    say "$PGDATA already holds a cluster; skipping initialization"
fi

if [ "$init_mode" != none ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$AUTH_METHOD" != trust ]; then
        fail "the database is not initialized and POSTGRES_PASSWORD is empty: set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow connections without a password"
    fi

    if [ "$init_mode" = initdb ]; then
        say "initializing $PGDATA for user \"$POSTGRES_USER\""
        pwfile=''
        if [ -n "${POSTGRES_PASSWORD:-}" ]; then
            # The password reaches initdb through a private file (printf is
            # a shell builtin: it never shows up in a process list).
            pwfile="$(mktemp)"
            printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
        fi
        initdb_cluster "$POSTGRES_USER" "$AUTH_METHOD" "$pwfile"
        [ -z "$pwfile" ] || rm -f "$pwfile"
    else
        say "configuring the prebuilt cluster in $PGDATA for user \"$POSTGRES_USER\""
    fi

    # Same rules on both paths: local socket trusted (only reachable inside
    # the container), TCP from any address (containers are reached through
    # Docker's port forwarding) with the chosen method.
    cat >"$PGDATA/pg_hba.conf" <<EOF
# TYPE  DATABASE     USER  ADDRESS       METHOD
local   all          all                 trust
local   replication  all                 trust
host    replication  all   127.0.0.1/32  $AUTH_METHOD
host    replication  all   ::1/128       $AUTH_METHOD
host    all          all   all           $AUTH_METHOD
EOF

    # Temporary server: unix socket only, so nobody connects before the init
    # steps are done. No -l: its log goes to stdout (readiness contract).
    "$PGBIN/pg_ctl" --pgdata="$PGDATA" --wait \
        --options="-c listen_addresses='' -c fsync=off" start

    if [ "$init_mode" = prebuilt ] && [ -n "${POSTGRES_PASSWORD:-}" ]; then
        # psql reads the password from its environment (\getenv), so it is
        # never on a command line; no failing statement may reach the log.
        psql_as_superuser -d postgres <<'SQL'
SET log_min_error_statement = panic;
\getenv password POSTGRES_PASSWORD
ALTER ROLE CURRENT_USER PASSWORD :'password';
SQL
    fi

    if [ "$POSTGRES_DB" != postgres ]; then
        psql_as_superuser -d postgres --set db="$POSTGRES_DB" <<'SQL'
CREATE DATABASE :"db";
SQL
    fi

    for init_file in /docker-entrypoint-initdb.d/*; do
        [ -e "$init_file" ] || continue
        run_init_file "$init_file"
    done

    "$PGBIN/pg_ctl" --pgdata="$PGDATA" --mode=fast --wait stop
    rm -f "$PREBUILT_MARKER"
    say "init complete; starting the server"
fi

# The server does not need the password; keep it out of its environment.
unset POSTGRES_PASSWORD
exec "$PGBIN/postgres" -D "$PGDATA" "$@"
