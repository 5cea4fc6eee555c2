#!/usr/bin/env bash
# ObjectFS in one command, on a fresh Debian 12 machine with no cloud account:
# installs and builds (scripts/setup.sh), starts a local S3 server (Ceph RGW) with a
# generated safetensors model, then loads the model the ways an inference server would:
# through the mount, through the Python loader, and again from a warmed disk cache.
# Prints what it measured. Everything it starts is stopped on exit, even on failure.
#
#   scripts/demo.sh [--size-mib N]    model size (default 512)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
SIZE_MIB=512
while [[ $# -gt 0 ]]; do
    case $1 in
        --size-mib) SIZE_MIB=${2:?--size-mib needs a number}; shift ;;
        -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[[ $SIZE_MIB =~ ^[1-9][0-9]*$ ]] || { echo "demo.sh: --size-mib must be a positive number" >&2; exit 2; }

if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "demo.sh: run as root (FUSE mount, page-cache drops)" >&2; exit 1; }
    exec sudo -E "$0" "$@"
fi

say() { printf '\n== %s\n' "$*"; }
PY=/usr/bin/python3
BUCKET=demo
KEY=model.safetensors

say "install and build (scripts/setup.sh)"
scripts/setup.sh

WORK=$(mktemp -d /tmp/objectfs-demo.XXXXXX)
MNT=$WORK/mnt
cleanup() {
    local rc=$?
    if [[ -d $MNT ]] && grep -qs " $MNT " /proc/mounts; then
        fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
    fi
    [[ -f $WORK/rgw/env ]] && tests/servers/rgw.sh stop "$WORK/rgw" >/dev/null 2>&1 || true
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT INT TERM

say "start a local S3 server (Ceph RGW, 127.0.0.1) in $WORK/rgw"
RGW_MEMSTORE_BYTES=$(((SIZE_MIB + 512) << 20)) tests/servers/rgw.sh start "$WORK/rgw" >/dev/null
# shellcheck disable=SC1091
. "$WORK/rgw/env"
export AWS_ENDPOINT_URL=$RGW_ENDPOINT AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY \
    AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export PYTHONPATH=$REPO/build/python${PYTHONPATH:+:$PYTHONPATH}
URI=s3://$BUCKET/$KEY

say "generate a ${SIZE_MIB} MiB safetensors model and upload it to $URI"
SHA=$($PY scripts/demo_model.py generate "$WORK/$KEY" "$SIZE_MIB")
$PY tests/servers/s3_fixtures.py "$WORK/rgw/env" create-bucket "$BUCKET"
$PY bench/bench_util.py upload "$WORK/rgw/env" "$BUCKET" "$KEY" "$WORK/$KEY" $((64 << 20)) 4 >/dev/null
build/objectfs ls -l "s3://$BUCKET/"

drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
secs() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN {printf "%.2f", (b - a) / 1e9}'; }
load_secs() { $PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"])' "$1"; }
declare -a ROWS=()
record() { ROWS+=("$(printf '| %s | %s s | %s MB/s | %s |' "$1" "$2" \
    "$(awk -v s="$2" -v n=$((SIZE_MIB << 20)) 'BEGIN {printf "%.0f", n / s / 1e6}')" "$3")"); }

say "mount s3://$BUCKET/ at $MNT and read the model through it"
mkdir -p "$MNT"
build/objectfs mount "s3://$BUCKET/" "$MNT" --metadata-ttl indefinite
ls -l "$MNT"
drop
t=$(date +%s%N)
got=$(sha256sum "$MNT/$KEY" | cut -d' ' -f1)
record "sha256sum through the mount (cold)" "$(secs "$t")" "sha256 $([[ $got == "$SHA" ]] && echo matches || echo MISMATCH)"
[[ $got == "$SHA" ]] || { echo "demo.sh: wrong bytes through the mount" >&2; exit 1; }
$PY scripts/demo_model.py load "$MNT/$KEY" "$WORK/$KEY" >"$WORK/load-mount.json"
record "safetensors load_file through the mount (page cache warm)" "$(load_secs "$WORK/load-mount.json")" \
    "every tensor checked"
fusermount3 -u "$MNT"

say "load it with the Python loader straight from S3 (no kernel, parallel ranged GETs)"
drop
$PY scripts/demo_model.py load "$URI" "$WORK/$KEY" | tee "$WORK/load-s3.json"
record "objectfs.safetensors.load_file(\"$URI\"), cold" "$(load_secs "$WORK/load-s3.json")" \
    "every tensor checked"

say "warm a disk cache, then read from it: no GET for the data"
CACHE=$WORK/cache
build/objectfs warm "s3://$BUCKET/" --cache-dir "$CACHE"
drop
t=$(date +%s%N)
build/objectfs --cache-dir "$CACHE" --stats cp "$URI" "$WORK/from-cache.bin" 2>"$WORK/cp.err"
elapsed=$(secs "$t")
gets=$(grep -o 'get_requests=[0-9]*' "$WORK/cp.err" | tail -n 1 | cut -d= -f2)
got=$(sha256sum "$WORK/from-cache.bin" | cut -d' ' -f1)
[[ $got == "$SHA" ]] || { echo "demo.sh: wrong bytes from the disk cache" >&2; exit 1; }
record "objectfs cp from the warmed disk cache" "$elapsed" "${gets:-?} GET requests, sha256 matches"
build/objectfs cache stats --cache-dir "$CACHE"

say "what this machine measured (model ${SIZE_MIB} MiB; MB/s = 10^6 bytes/s; loads: load_file alone, torch imported)"
echo "| what | time | throughput | check |"
echo "|---|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Full benchmarks against curl, s3fs and rclone: bench/compare.sh (see README)."
