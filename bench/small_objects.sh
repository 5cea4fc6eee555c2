#!/usr/bin/env bash
# Many small objects from one prefix, on a Ceph RGW started here: the Python
# IterableDataset against a 16-thread boto3 pool, and `cat` of every file
# through an objectfs mount against s3fs and rclone mounts of the same bucket.
#
#   bench/small_objects.sh [--count N] [--size BYTES] [--runs N] [--skip-peers]
#
#   --count N     objects (default 2000)      --size BYTES  each (default 65536)
#   --runs N      runs of each row, the table shows the fastest (default 3)
#   --skip-peers  no s3fs / rclone rows
#
# Every run is cold: a fresh process (the dataset, boto3) or a fresh mount. The
# mounts are read by `find MNT -type f -print0 | xargs -0 -P 16 -n 25 cat`
# (16 cats at once). Needs root (FUSE mounts), the build (build/objectfs,
# build/python) and radosgw; s3fs and rclone from Debian (apt-get install s3fs
# rclone). Prints a markdown table; progress on stderr.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PY=/usr/bin/python3
BENCH="$PY $REPO/bench/small_objects.py"
BUCKET=smallobj
PREFIX=d/
COUNT=2000
SIZE=65536
RUNS=3
SKIP_PEERS=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --count) COUNT=${2:?}; shift ;;
        --size) SIZE=${2:?}; shift ;;
        --runs) RUNS=${2:?}; shift ;;
        --skip-peers) SKIP_PEERS=1 ;;
        -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "small_objects.sh: unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "small_objects: $*" >&2; }
die() { log "$*"; exit 1; }
[[ -x $REPO/build/objectfs && -d $REPO/build/python/objectfs ]] || die "build objectfs and _objectfs first"
if ((!SKIP_PEERS)) && ! { command -v s3fs && command -v rclone; } >/dev/null; then
    die "s3fs or rclone missing: apt-get install s3fs rclone, or --skip-peers"
fi

WORK=$(mktemp -d /tmp/small-objects.XXXXXX)
MOUNTS=()
DAEMONS=()
is_mounted() { awk -v m="$1" '$2 == m {found = 1} END {exit !found}' /proc/mounts; }
unmount() {
    local i
    is_mounted "$1" || return 0
    # A FUSE daemon still answering readers can block umount: bounded, then lazy.
    timeout 10 umount "$1" 2>/dev/null || timeout 10 fusermount -u "$1" 2>/dev/null
    for ((i = 0; i < 50; i++)); do is_mounted "$1" || return 0; sleep 0.1; done
    umount -l "$1" 2>/dev/null
}
cleanup() {
    local m p
    for m in "${MOUNTS[@]}"; do unmount "$m"; done
    for p in "${DAEMONS[@]}"; do kill "$p" 2>/dev/null; done
    sleep 1
    for p in "${DAEMONS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    "$REPO/tests/servers/rgw.sh" stop "$WORK/rgw" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting RGW"
RGW_DEBUG=0 RGW_MEMSTORE_BYTES=$((COUNT * SIZE * 2 + (512 << 20))) \
    "$REPO/tests/servers/rgw.sh" start "$WORK/rgw" >"$WORK/rgw.log" 2>&1 || die "RGW: $(tail -3 "$WORK/rgw.log")"
ENV_FILE=$WORK/rgw/env
# shellcheck disable=SC1090
source "$ENV_FILE"
log "uploading $COUNT x $SIZE bytes"
$BENCH put "$ENV_FILE" "$BUCKET" "$PREFIX" "$COUNT" "$SIZE" >/dev/null || die "upload failed"

field() { $PY -c 'import json,sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1"; }
declare -A BEST SHA NOTE

record() {  # NAME JSON
    local s
    s=$(field seconds <<<"$2")
    SHA[$1]=$(field sha256 <<<"$2")
    if [[ -z ${BEST[$1]:-} ]] || $PY -c "import sys; sys.exit(not $s < ${BEST[$1]})"; then BEST[$1]=$s; fi
    log "  $1: $2"
}

mount_objectfs() {  # MNT [OPTION...]
    mkdir -p "$1"; MOUNTS+=("$1")
    env AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY" AWS_REGION=us-east-1 \
        "$REPO/build/objectfs" --endpoint-url "$RGW_ENDPOINT" mount "s3://$BUCKET" "$1" --foreground \
        "${@:2}" </dev/null >"$1.log" 2>&1 &
    DAEMONS+=($!)
}
# Objects that do not change: opens pin the listing's ETag, no HEAD per file.
mount_objectfs_indefinite() { mount_objectfs "$1" --metadata-ttl indefinite; }
mount_s3fs() {  # MNT
    mkdir -p "$1"; MOUNTS+=("$1")
    printf '%s:%s\n' "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" >"$WORK/s3fs.passwd"
    chmod 600 "$WORK/s3fs.passwd"
    s3fs "$BUCKET" "$1" -f -o ro -o "url=$RGW_ENDPOINT" -o use_path_request_style \
        -o "passwd_file=$WORK/s3fs.passwd" </dev/null >"$1.log" 2>&1 &
    DAEMONS+=($!)
}
mount_rclone() {  # MNT
    mkdir -p "$1"; MOUNTS+=("$1")
    cat >"$WORK/rclone.conf" <<EOF
[rgw]
type = s3
provider = Ceph
env_auth = false
access_key_id = $RGW_ACCESS_KEY
secret_access_key = $RGW_SECRET_KEY
endpoint = $RGW_ENDPOINT
force_path_style = true
EOF
    # rclone fails to start when AWS_CA_BUNDLE is set (its S3 transport cannot take it).
    env -u AWS_CA_BUNDLE rclone --config "$WORK/rclone.conf" --cache-dir "$WORK/rclone-cache-$RANDOM" mount "rgw:$BUCKET" "$1" \
        --read-only </dev/null >"$1.log" 2>&1 &
    DAEMONS+=($!)
}

mount_cat() {  # NAME RUN
    local mnt=$WORK/mnt-$1-$2 i start end bytes pid
    "mount_$1" "$mnt"
    pid=${DAEMONS[-1]}
    for ((i = 0; i < 300; i++)); do is_mounted "$mnt" && break; sleep 0.1; done
    is_mounted "$mnt" || { log "  $1: mount failed: $(tail -3 "$mnt.log")"; return; }
    start=$(date +%s%N)
    bytes=$(cd "$mnt" && find "$PREFIX" -type f -print0 | xargs -0 -P 16 -n 25 cat | wc -c)
    end=$(date +%s%N)
    local sha
    sha=$(cd "$mnt" && find "$PREFIX" -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)
    record "mount-$1" "{\"seconds\": $($PY -c "print(round(($end - $start) / 1e9, 3))"), \"bytes\": $bytes, \"sha256\": \"$sha\"}"
    [[ $bytes == $((COUNT * SIZE)) ]] || NOTE["mount-$1"]="read $bytes bytes, expected $((COUNT * SIZE))"
    unmount "$mnt"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

peers=(objectfs objectfs_indefinite)
((SKIP_PEERS)) || peers+=(s3fs rclone)
for ((run = 1; run <= RUNS; run++)); do
    log "run $run of $RUNS"
    record dataset "$(PYTHONPATH=$REPO/build/python $BENCH dataset "$ENV_FILE" "$BUCKET" "$PREFIX")"
    record boto3 "$($BENCH boto3 "$ENV_FILE" "$BUCKET" "$PREFIX" 16)"
    for p in "${peers[@]}"; do mount_cat "$p" "$run"; done
done

for name in "${!SHA[@]}"; do
    [[ ${SHA[$name]} == "${SHA[dataset]}" ]] || NOTE[$name]="${NOTE[$name]:-} bytes differ from the dataset's"
done
ratio() { $PY -c "print(f'{$2 / $1:.2f}x')"; }
mib_s() { $PY -c "print(f'{$COUNT * $SIZE / $1 / 2**20:.0f}')"; }
echo "| client | workload | seconds (best of $RUNS) | MiB/s | objects/s | vs baseline | notes |"
echo "|---|---|---|---|---|---|---|"
row() {  # NAME CLIENT WORKLOAD BASELINE-NAME
    local s=${BEST[$1]:-}
    [[ -n $s ]] || { echo "| $2 | $3 | failed | | | | ${NOTE[$1]:-} |"; return; }
    local vs="baseline"
    [[ $1 == "$4" ]] || { [[ -n ${BEST[$4]:-} ]] && vs="$(ratio "$s" "${BEST[$4]}") faster than $4"; }
    echo "| $2 | $3 | $s | $(mib_s "$s") | $($PY -c "print(round($COUNT / $s))") | $vs | ${NOTE[$1]:-} |"
}
what="$COUNT x $SIZE B objects under one prefix, listing included"
row boto3 "boto3, 16 threads" "$what: list, get_object each" boto3
row dataset "objectfs.torch.IterableDataset" "$what: iterate once, one process" boto3
((SKIP_PEERS)) || row mount-s3fs "s3fs mount" "$what: find \\| xargs -P 16 cat" mount-s3fs
((SKIP_PEERS)) || row mount-rclone "rclone mount" "$what: find \\| xargs -P 16 cat" mount-s3fs
row mount-objectfs "objectfs mount" "$what: find \\| xargs -P 16 cat" mount-s3fs
row mount-objectfs_indefinite "objectfs mount --metadata-ttl indefinite" "$what: find \\| xargs -P 16 cat" mount-s3fs
