#!/usr/bin/env bash
# The mount's cold `cat` alone: nginx serving one object from tmpfs as anonymous
# S3, then, RUNS times, 8 parallel ranged curls (the limit) and a `cat` of the
# object through a fresh `objectfs mount` (page cache dropped before each).
# These are the "isolated runs" of the target table in docs/benchmarks.md.
#
#   bench/mount_alone.sh [--size MiB] [--runs N] [--fill GiB] [--disk-cache]
#
#   --size MiB   object size (default 2048)
#   --runs N     rounds (default 3)
#   --fill GiB   first put GiB of extra data in tmpfs, as the full compare.sh run
#                does (its nginx data and RGW's memstore): on a VM that backs
#                memory lazily, the mount then fills its page cache with memory
#                the host has taken back (see docs/benchmarks.md)
#   --disk-cache the disk-cache row instead: warm the object into a cache dir on
#                this machine's disk, then per round a cold `cat` of a local copy
#                on the same disk (the reference) and a cold `cat` through a
#                fresh mount over that cache (no GET)
#
# Needs root (drop_caches, FUSE) and a build (build/objectfs). Everything lives
# in one temp dir plus one under /dev/shm; both go, and the mount is unmounted,
# on exit, Ctrl-C or TERM.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SIZE_MIB=2048
RUNS=3
FILL_GIB=0
DISK_CACHE=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --size) SIZE_MIB=${2:?--size needs MiB}; shift ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        --fill) FILL_GIB=${2:?--fill needs GiB}; shift ;;
        --disk-cache) DISK_CACHE=1 ;;
        -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "mount_alone.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $(id -u) -eq 0 ]] || exec sudo -E "$0" "$@"
[[ -x $REPO/build/objectfs ]] || { echo "mount_alone.sh: build/objectfs is missing (scripts/setup.sh builds it)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/objectfs-alone.XXXXXX)
DATA=$(mktemp -d /dev/shm/objectfs-alone.XXXXXX)
MNT=$WORK/mnt
NGINX_PID="" MOUNT_PID=""
cleanup() {
    set +e
    mountpoint -q "$MNT" 2>/dev/null && { fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; }
    [[ -n $MOUNT_PID ]] && kill "$MOUNT_PID" 2>/dev/null
    [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$WORK" "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# shellcheck source=bench/nginx_s3.sh
. "$REPO/bench/nginx_s3.sh"
mkdir -p "$DATA/www/bench" "$MNT"
SIZE=$((SIZE_MIB << 20))
head -c "$SIZE" /dev/urandom >"$DATA/www/bench/big.bin"
((FILL_GIB > 0)) && fallocate -l "${FILL_GIB}G" "$DATA/fill"
PORT=$(/usr/bin/python3 "$REPO/bench/bench_util.py" free-port)
nginx_s3_conf "$WORK/nginx" "$DATA/www" "$PORT" bench off
/usr/bin/python3 "$REPO/bench/bench_util.py" list-xml "$DATA/www" bench "$WORK/nginx/list/bench.xml"
chmod -R go+rX "$WORK" "$DATA"  # nginx workers run unprivileged
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" </dev/null >/dev/null 2>&1 &
NGINX_PID=$!
for ((i = 0; i < 100; i++)); do curl -s -o /dev/null "http://127.0.0.1:$PORT/bench" && break; sleep 0.1; done

export AWS_ENDPOINT_URL=http://127.0.0.1:$PORT AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY http_proxy https_proxy
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
# Mounts s3://bench on $MNT in the background with extra objectfs options "$@".
mount_start() {
    "$REPO/build/objectfs" --no-sign-request "$@" mount s3://bench "$MNT" --foreground \
        </dev/null >"$WORK/mount.log" 2>&1 &
    MOUNT_PID=$!
    for ((i = 0; i < 100; i++)); do
        mountpoint -q "$MNT" || ! kill -0 "$MOUNT_PID" 2>/dev/null && break
        sleep 0.1
    done
    mountpoint -q "$MNT" || { cat "$WORK/mount.log" >&2; exit 1; }
}
# Prints the daemon's peak RSS (MiB), then unmounts.
mount_stop() {
    awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$MOUNT_PID/status"
    fusermount3 -u "$MNT"
    wait "$MOUNT_PID" || true
    MOUNT_PID=""
}
# Milliseconds a cold `cat FILE > /dev/null` takes (page cache dropped first).
cold_cat_ms() {
    drop_caches
    local t; t=$(now_ms)
    cat "$1" >/dev/null
    echo $(($(now_ms) - t))
}

echo "object: $SIZE_MIB MiB in tmpfs; extra tmpfs data: $FILL_GIB GiB; $(nproc) CPUs"
if ((DISK_CACHE)); then
    CACHE=$WORK/cache
    "$REPO/build/objectfs" --no-sign-request --cache-dir "$CACHE" --cache-size "$((SIZE_MIB * 2))M" \
        warm --no-progress s3://bench/big.bin
    cp "$DATA/www/bench/big.bin" "$WORK/local.bin"
    printf '%-4s %16s %18s %7s %10s %6s\n' run "local cat (s)" "mount cat (s)" ratio "RSS (MiB)" GETs
    for ((run = 1; run <= RUNS; run++)); do
        local_ms=$(cold_cat_ms "$WORK/local.bin")
        mount_start --stats --cache-dir "$CACHE"
        mount_ms=$(cold_cat_ms "$MNT/big.bin")
        rss=$(mount_stop)
        gets=$(grep -o 'get_requests=[0-9]*' "$WORK/mount.log" | tail -n 1 | cut -d= -f2)
        awk -v r="$run" -v c="$local_ms" -v m="$mount_ms" -v rss="$rss" -v g="${gets:-?}" \
            'BEGIN { printf "%-4d %16.2f %18.2f %7.2f %10s %6s\n", r, c / 1000, m / 1000, c / m, rss, g }'
    done
    exit 0
fi
printf '%-4s %12s %14s %7s %10s\n' run "curl8 (s)" "mount cat (s)" ratio "RSS (MiB)"
for ((run = 1; run <= RUNS; run++)); do
    drop_caches
    t=$(now_ms) pids=() chunk=$((SIZE / 8))
    for ((i = 0; i < 8; i++)); do
        curl -sS -o /dev/null -r "$((i * chunk))-$((i * chunk + chunk - 1))" \
            "http://127.0.0.1:$PORT/bench/big.bin" &
        pids+=($!)
    done
    wait "${pids[@]}"
    curl_ms=$(($(now_ms) - t))
    mount_start
    mount_ms=$(cold_cat_ms "$MNT/big.bin")
    rss=$(mount_stop)
    awk -v r="$run" -v c="$curl_ms" -v m="$mount_ms" -v rss="$rss" \
        'BEGIN { printf "%-4d %12.2f %14.2f %7.2f %10s\n", r, c / 1000, m / 1000, c / m, rss }'
done
