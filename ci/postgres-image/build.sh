#!/bin/bash
# Builds a PostgreSQL Docker image without any container registry.
#
# Usage: build.sh [IMAGE]          (default IMAGE: local/postgres:15)
#
# The tag names the major: local/postgres:15 (or a tag that is not a number)
# is built from Debian's packages as below; another, e.g. local/postgres:18,
# from the installation `ci/install-postgres.sh 18` makes (the binaries the
# local backend runs), on top of local/postgres:15 (Dockerfile.installation).
#
# Where a Docker engine runs but no registry can be reached, testcontainers
# cannot pull the official `postgres` image. This script makes an equivalent
# one from Debian packages instead: debootstrap a minimal bookworm with
# postgresql-15 from the same Debian mirror this machine's apt uses, trim it,
# add docker-entrypoint.sh, `docker import` it with the image metadata, then
# add the stop signal and a prebuilt cluster with Dockerfile (see there why
# import alone is not enough).
#
# Cached: if IMAGE already exists the script says so and exits at once.
# PG_IMAGE_REBUILD=1 forces a rebuild. PG_IMAGE_MIRROR overrides the mirror.
# PG_IMAGE_TMPFS=0 keeps the work dir (under TMPDIR) on disk.
# Building needs root (debootstrap, chroot); the cached check does not.
set -euo pipefail

IMAGE="${1:-local/postgres:15}"
SUITE=bookworm
DEBIAN_MAJOR=15
TAG="${IMAGE##*:}"
# No tag, or the colon was a registry's port (localhost:5000/postgres).
case "$TAG" in "$IMAGE" | */*) TAG='' ;; esac
PG_MAJOR="${TAG%%[!0-9]*}"
PG_MAJOR="${PG_MAJOR:-$DEBIAN_MAJOR}"
BASE_IMAGE="local/postgres:$DEBIAN_MAJOR"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
START_SECONDS=$SECONDS

say() { printf 'postgres-image: %s\n' "$*"; }
die() {
    printf 'postgres-image: error: %s\n' "$*" >&2
    exit 1
}
elapsed() { printf '%ss' "$((SECONDS - START_SECONDS))"; }

# A digest of the recipe, stored as a label, so a stale image can be spotted.
recipe_digest() {
    cat "$HERE/build.sh" "$HERE/Dockerfile" "$HERE/Dockerfile.installation" "$HERE/docker-entrypoint.sh" |
        sha256sum | cut -c1-16
}

image_is_present() { docker image inspect "$IMAGE" >/dev/null 2>&1; }

report_present_image() {
    local built_from
    built_from="$(docker image inspect --format '{{ index .Config.Labels "postgres-image.recipe" }}' "$IMAGE" 2>/dev/null || true)"
    say "image $IMAGE is present; nothing to build"
    if [ "$built_from" != "$(recipe_digest)" ]; then
        say "note: $IMAGE was built from another version of this recipe; run with PG_IMAGE_REBUILD=1 to rebuild it"
    fi
}

if [ "${PG_IMAGE_REBUILD:-0}" != 1 ] && image_is_present; then
    report_present_image
    exit 0
fi

# ---------------------------------------------------------------- preconditions
[ "$(id -u)" = 0 ] || die "building $IMAGE needs root (debootstrap and chroot); run this script as root"
command -v docker >/dev/null || die "the docker client is not installed; install docker.io (or docker-ce)"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
    die "no Docker engine answers (docker version failed); start the Docker daemon or set DOCKER_HOST"

# Another major: PostgreSQL from ci/install-postgres.sh on the Debian image's userland.
build_from_installation() {
    local bindir prefix tree version
    bindir="$(bash "$HERE/../install-postgres.sh" "$PG_MAJOR" | tail -n 1)" ||
        die "ci/install-postgres.sh $PG_MAJOR could not provide PostgreSQL $PG_MAJOR (output above)"
    prefix="$(readlink -f "$bindir/..")"
    # A wheel's binaries find their libraries beside the package (RPATH $ORIGIN/../../../<pkg>.libs):
    # the whole installed wheel goes in, at the same path, with /opt/postgresql/<major> pointing
    # into it as on this machine.
    case "$prefix" in
        /opt/postgresql/pypi/*) tree="/opt/postgresql/pypi/$(printf '%s' "${prefix#/opt/postgresql/pypi/}" | cut -d/ -f1)" ;;
        *) tree="$prefix" ;;
    esac
    CONTEXT="$(mktemp -d "${TMPDIR:-/tmp}/postgres-image.XXXXXX")"
    trap 'rm -rf "$CONTEXT"' EXIT
    say "building $IMAGE from $prefix on $BASE_IMAGE"
    mkdir -p "$CONTEXT/root/opt/postgresql"
    tar -C / -cf - "${tree#/}" | tar -C "$CONTEXT/root" -xf -
    [ "$prefix" = "/opt/postgresql/$PG_MAJOR" ] || ln -sfn "$prefix" "$CONTEXT/root/opt/postgresql/$PG_MAJOR"
    cp "$HERE/Dockerfile.installation" "$CONTEXT/Dockerfile"
    cp "$HERE/docker-entrypoint.sh" "$CONTEXT/docker-entrypoint.sh"
    DOCKER_BUILDKIT=0 docker build --quiet --network none \
        --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg PG_MAJOR="$PG_MAJOR" \
        --label "postgres-image.recipe=$(recipe_digest)" \
        --label "postgres-image.source=$prefix" \
        --tag "$IMAGE" "$CONTEXT" >/dev/null 2>"$CONTEXT/build.err" || {
        cat "$CONTEXT/build.err" >&2
        die "docker build of $IMAGE on $BASE_IMAGE failed (output above)"
    }
    version="$(docker run --rm --network none --entrypoint postgres "$IMAGE" --version)" ||
        die "postgres does not run inside $IMAGE"
    case "$version" in
        *"PostgreSQL) $PG_MAJOR."*) ;;
        *) die "$IMAGE runs $version, not PostgreSQL $PG_MAJOR" ;;
    esac
    say "built $IMAGE ($version, $(($(docker image inspect --format '{{.Size}}' "$IMAGE") / 1000000)) MB) in $(elapsed)"
}

# Two callers (e.g. .ci/run and cargo xtask) may start at the same time: let one
# build while the other waits, then finds the image.
if [ "$PG_MAJOR" != "$DEBIAN_MAJOR" ]; then
    # The base first (cached when present), before this build's own lock.
    bash "$HERE/build.sh" "$BASE_IMAGE"
    LOCK_FILE="${TMPDIR:-/tmp}/postgres-image-build-$PG_MAJOR.lock"
else
    LOCK_FILE="${TMPDIR:-/tmp}/postgres-image-build.lock"
fi
exec 9>"$LOCK_FILE"
if ! flock --nonblock 9; then
    say "another build is running; waiting for it (lock $LOCK_FILE)"
    flock --timeout 1800 9 || die "waited 30 minutes for the other build (lock $LOCK_FILE); remove the lock if no build is running"
    if [ "${PG_IMAGE_REBUILD:-0}" != 1 ] && image_is_present; then
        report_present_image
        exit 0
    fi
fi

if [ "$PG_MAJOR" != "$DEBIAN_MAJOR" ]; then
    build_from_installation
    exit 0
fi

PG_MAJOR="$DEBIAN_MAJOR"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
apt_install() {
    local output
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! output="$(apt-get install -y -q --no-install-recommends "$@" 2>&1)"; then
        # The package lists may be missing or stale on a fresh machine.
        if ! output="$(apt-get update -q 2>&1 && apt-get install -y -q --no-install-recommends "$@" 2>&1)"; then
            printf '%s\n' "$output" | tail -n 20 >&2
            die "apt-get could not install $*; check this machine's apt sources (output above)"
        fi
    fi
}
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -s "$KEYRING" ] || missing+=(debian-archive-keyring)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# ---------------------------------------------------------------- mirror
# "URI SUITE" for every enabled deb source of this machine's apt, in order.
apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        sed -e 's/#.*//' "$f" | awk '
            $1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if (i + 1 <= NF) print $i, $(i + 1)
            }'
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk '
            function flush(  n, m, i, j, U, S) {
                if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no") {
                    n = split(uris, U, /[ \t]+/); m = split(suites, S, /[ \t]+/)
                    for (i = 1; i <= n; i++) for (j = 1; j <= m; j++)
                        if (U[i] != "" && S[j] != "") print U[i], S[j]
                }
                types = uris = suites = ""; enabled = "yes"
            }
            function value() { sub(/^[^:]*:[ \t]*/, ""); return $0 }
            BEGIN { enabled = "yes" }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            tolower($0) ~ /^types:/ { types = value(); next }
            tolower($0) ~ /^uris:/ { uris = value(); next }
            tolower($0) ~ /^suites:/ { suites = value(); next }
            tolower($0) ~ /^enabled:/ { enabled = tolower(value()); next }
            END { flush() }' "$f"
    done
}

# Candidates: sources for bookworm itself first, then other releases' main
# archives (a mirror serving another release usually serves bookworm too).
mirror_candidates() {
    local sources
    sources="$(apt_sources | sed -e 's#/*\([[:space:]]\)#\1#')"
    {
        awk -v s="$SUITE" '$2 == s { print $1 }' <<<"$sources"
        awk '$2 !~ /-/ && $1 !~ /security/ { print $1 }' <<<"$sources"
    } | grep -E '^https?://' | awk '!seen[$0]++'
}

mirror_answers() {
    wget --quiet --tries=1 --timeout=15 --output-document=/dev/null "$1/dists/$SUITE/Release"
}

# debootstrap fetches with wget, which does not read apt's proxy settings.
APT_HTTP_PROXY=''
APT_HTTPS_PROXY=''
eval "$(apt-config shell APT_HTTP_PROXY Acquire::http::Proxy APT_HTTPS_PROXY Acquire::https::Proxy)"
if [ -n "$APT_HTTP_PROXY" ] && [ -z "${http_proxy:-}" ]; then export http_proxy="$APT_HTTP_PROXY"; fi
if [ -n "$APT_HTTPS_PROXY" ] && [ -z "${https_proxy:-}" ]; then export https_proxy="$APT_HTTPS_PROXY"; fi

MIRROR="${PG_IMAGE_MIRROR:-}"
if [ -z "$MIRROR" ]; then
    tried=()
    while read -r candidate; do
        [ -n "$candidate" ] || continue
        tried+=("$candidate")
        if mirror_answers "$candidate"; then
            MIRROR="$candidate"
            break
        fi
    done < <(mirror_candidates; echo http://deb.debian.org/debian)
    [ -n "$MIRROR" ] || die "no Debian mirror serves $SUITE (tried: ${tried[*]}); set PG_IMAGE_MIRROR=http://<mirror>/debian"
fi
say "building $IMAGE from Debian $SUITE at $MIRROR"

# ---------------------------------------------------------------- work dir
WORK=''
ROOTFS_TAG=''
unmount_under() {
    # debootstrap mounts /proc, /sys and sometimes /dev inside the target; a
    # failed run can leave them mounted, and rm -rf must never descend there.
    awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 { print $2 }' /proc/self/mounts |
        sort -r | while read -r mount_point; do umount -l "$mount_point" || true; done
}
cleanup() {
    local status=$?
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        unmount_under "$WORK"
        rm -rf --one-file-system "$WORK"
    fi
    if [ -n "$ROOTFS_TAG" ]; then
        docker image rm "$ROOTFS_TAG" >/dev/null 2>&1 || true
    fi
    if [ "$status" != 0 ]; then
        printf 'postgres-image: error: building %s failed after %s\n' "$IMAGE" "$(elapsed)" >&2
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PREVIOUS_IMAGE_ID="$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/postgres-image.XXXXXX")"
ROOTFS="$WORK/rootfs"
# dpkg syncs every file it unpacks, and the root filesystem is thrown away
# after the import: on tmpfs debootstrap is faster and the cleanup instant.
# It needs about 800 MB of memory; PG_IMAGE_TMPFS=0 keeps the work on disk.
if [ "${PG_IMAGE_TMPFS:-1}" = 1 ] && mount -t tmpfs -o size=2g,mode=0700 postgres-image "$WORK" 2>/dev/null; then
    say "working in $WORK (tmpfs)"
else
    say "working in $WORK"
fi

# ---------------------------------------------------------------- debootstrap
say "debootstrap (minbase + postgresql-$PG_MAJOR)"
if ! debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" --components=main \
    --keyring="$KEYRING" "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.out" 2>&1; then
    tail -n 30 "$WORK/debootstrap.out" >&2
    if [ -f "$ROOTFS/debootstrap/debootstrap.log" ]; then
        tail -n 30 "$ROOTFS/debootstrap/debootstrap.log" >&2
    fi
    die "debootstrap failed (output above)"
fi
say "debootstrap done: $(du -sm "$ROOTFS/var/cache/apt/archives" | cut -f1) MB of packages ($(elapsed))"

# ---------------------------------------------------------------- trim
# debootstrap unmounts what it mounted when it succeeds; make sure, because the
# trim below deletes inside /dev, /proc and /sys of the root filesystem.
unmount_under "$ROOTFS"
# The package's postinst created a 'main' cluster; the entrypoint makes its own.
chroot "$ROOTFS" pg_dropcluster "$PG_MAJOR" main >/dev/null 2>&1 ||
    rm -rf "$ROOTFS/etc/postgresql/$PG_MAJOR/main" "$ROOTFS/var/lib/postgresql/$PG_MAJOR/main"
PGLIB="$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib"
rm -rf \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
    "$ROOTFS"/usr/share/locale/* "$ROOTFS"/usr/share/postgresql/"$PG_MAJOR"/man \
    "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/cache/debconf/*-old \
    "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/var/log/postgresql/*
# JIT is not worth 150 MB here (LLVM, z3, bitcode): without its provider
# PostgreSQL just runs every query without JIT.
rm -rf "$PGLIB/llvmjit.so" "$PGLIB/llvmjit_types.bc" "$PGLIB/bitcode" \
    "$ROOTFS"/usr/lib/*-linux-gnu/libLLVM-*.so* "$ROOTFS"/usr/lib/*-linux-gnu/libz3.so*
# No private key baked into a shared image (ssl-cert made a snakeoil pair);
# and no trace of the build host (Docker supplies these files at run time).
rm -f "$ROOTFS"/etc/ssl/private/ssl-cert-snakeoil.key "$ROOTFS"/etc/ssl/certs/ssl-cert-snakeoil.pem
: >"$ROOTFS/etc/resolv.conf"
: >"$ROOTFS/etc/hostname"
rm -rf --one-file-system "${ROOTFS:?}"/dev/* "${ROOTFS:?}"/proc/* "${ROOTFS:?}"/sys/* \
    "$ROOTFS"/run/postgresql "$ROOTFS"/tmp/*

install -m 0755 "$HERE/docker-entrypoint.sh" "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
mkdir -p "$ROOTFS/docker-entrypoint-initdb.d"

for needed in "usr/lib/postgresql/$PG_MAJOR/bin/postgres" "usr/lib/postgresql/$PG_MAJOR/bin/initdb" \
    "usr/lib/postgresql/$PG_MAJOR/bin/pg_ctl" "usr/lib/postgresql/$PG_MAJOR/bin/psql" usr/bin/setpriv \
    "usr/share/postgresql/$PG_MAJOR/extension/citext.control" \
    "usr/share/postgresql/$PG_MAJOR/extension/pg_trgm.control" \
    "usr/share/postgresql/$PG_MAJOR/extension/pgcrypto.control"; do
    [ -e "$ROOTFS/$needed" ] || die "the root filesystem lacks /$needed; the Debian packages changed, adapt build.sh"
done
chroot "$ROOTFS" "/usr/lib/postgresql/$PG_MAJOR/bin/postgres" --version >/dev/null ||
    die "postgres does not run inside the trimmed root filesystem; check the trim list in build.sh"
say "root filesystem trimmed to $(du -sm "$ROOTFS" | cut -f1) MB ($(elapsed))"

# ---------------------------------------------------------------- import
ROOTFS_TAG="local/postgres-rootfs:build-$$"
say "importing the root filesystem into Docker"
# Numeric owners: the postgres uid/gid inside the rootfs differ from the host's.
tar --numeric-owner -C "$ROOTFS" -cf - . | docker import \
    --message "Debian $SUITE minbase + postgresql-$PG_MAJOR" \
    --change "ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change 'ENV PGDATA=/var/lib/postgresql/data' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'EXPOSE 5432' \
    --change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
    --change 'CMD ["postgres"]' \
    --change "LABEL postgres-image.recipe=$(recipe_digest)" \
    --change "LABEL postgres-image.source=\"debian $SUITE $MIRROR\"" \
    - "$ROOTFS_TAG" >/dev/null

mkdir "$WORK/context"
cp "$HERE/Dockerfile" "$WORK/context/Dockerfile"
# The classic builder (DOCKER_BUILDKIT=0) never contacts a registry for a FROM
# image that exists locally; BuildKit may try to resolve it remotely.
say "adding the stop signal and a prebuilt cluster"
DOCKER_BUILDKIT=0 docker build --quiet --network none \
    --build-arg ROOTFS_IMAGE="$ROOTFS_TAG" \
    --tag "$IMAGE" "$WORK/context" >/dev/null 2>"$WORK/build.err" || {
    cat "$WORK/build.err" >&2
    die "docker build on top of the imported root filesystem failed (output above)"
}

# A rebuild leaves the previous image untagged; drop it unless a container
# still uses it.
if [ -n "$PREVIOUS_IMAGE_ID" ] && [ "$PREVIOUS_IMAGE_ID" != "$(docker image inspect --format '{{.Id}}' "$IMAGE")" ]; then
    docker image rm "$PREVIOUS_IMAGE_ID" >/dev/null 2>&1 || true
fi

size_mb="$(($(docker image inspect --format '{{.Size}}' "$IMAGE") / 1000000))"
say "built $IMAGE ($size_mb MB) in $(elapsed)"
