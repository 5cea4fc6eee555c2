#!/usr/bin/env bash
# Tensor-order reads through a mount: a safetensors model whose names do not
# follow their offsets (bench/tensor_order.py generate), served by nginx as
# anonymous S3 and by a Ceph RGW. Per server and round, each through a FRESH
# mount with the page cache dropped: `cat` of the file (the baseline), every
# tensor in name order by pread and by numpy.memmap, the same pread with
# --prefetch-formats off (plain readahead), both reads with a memory budget a
# quarter of the model, and, once, the pread through s3fs. Every row notes the
# daemon's peak RSS (VmHWM). Then torch.load of a torch.save checkpoint of the
# same shape (its records' byte order is not its read order) through a fresh
# mount, with the format prefetch and without, against torch.load of the file
# in tmpfs (both fill fresh tensors). Then a GGUF file shaped like a small
# llama model (its tensors in the byte order of their names, embedding and
# output larger than a prefetch window) read in llama.cpp's load order by
# pread and numpy.memmap, with and without the format prefetch, against `cat`
# of it. Then safe_open of half the tensors straight from S3: bytes fetched / asked.
#
#   bench/tensor_order.sh [--size 1G] [--tensors 256] [--runs 2] [--skip-s3fs] [--skip-torch]
#                         [--skip-safetensors] [--skip-gguf] [--out FILE]
#
# OBJECTFS_BIN=path runs another build's objectfs (a before/after pair).
#
# Prints one row per measurement (seconds, GB/s, ratio to the same round's
# cat) and saves them to FILE (bench/results/tensor_order.md). Needs root (FUSE,
# drop_caches) and a build (build/objectfs, build/python). Everything lives in
# one temp dir plus one under /dev/shm, removed on exit.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PY=/usr/bin/python3
SIZE=1G TENSORS=256 RUNS=2 SKIP_S3FS=0 SKIP_TORCH=0 SKIP_SAFETENSORS=0 SKIP_GGUF=0
OUT=$REPO/bench/results/tensor_order.md
OFS=${OBJECTFS_BIN:-$REPO/build/objectfs}
while [[ $# -gt 0 ]]; do
    case $1 in
        --size) SIZE=${2:?}; shift ;;
        --tensors) TENSORS=${2:?}; shift ;;
        --runs) RUNS=${2:?}; shift ;;
        --skip-s3fs) SKIP_S3FS=1 ;;
        --skip-torch) SKIP_TORCH=1 ;;
        --skip-safetensors) SKIP_SAFETENSORS=1 ;;
        --skip-gguf) SKIP_GGUF=1 ;;
        --out) OUT=$(realpath -m "${2:?}"); shift ;;
        -h | --help) sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "tensor_order.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[[ $(id -u) -eq 0 ]] || exec sudo -E "$0" "$@"
[[ -x $OFS ]] || { echo "tensor_order.sh: $OFS is missing" >&2; exit 1; }
((SKIP_S3FS)) || command -v s3fs >/dev/null || { echo "tensor_order.sh: no s3fs (apt-get install s3fs, or --skip-s3fs)" >&2; exit 1; }
((SKIP_TORCH)) || $PY -c 'import torch' 2>/dev/null || { echo "tensor_order.sh: no torch (apt-get install python3-torch, or --skip-torch)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/objectfs-tensors.XXXXXX)
DATA=$(mktemp -d /dev/shm/objectfs-tensors.XXXXXX)
MNT=$WORK/mnt KEY=model.safetensors CKPT=model.pt GGUF=model.gguf BUCKET=bench
NGINX_PIDS=() MOUNT_PID="" RGW=0
cleanup() {
    local rc=$?
    set +e
    ((rc == 0)) || [[ ! -s $WORK/mount.log ]] || { log "the last mount's log:"; tail -20 "$WORK/mount.log" >&2; }
    mountpoint -q "$MNT" 2>/dev/null && { fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"; }
    [[ -n $MOUNT_PID ]] && kill "$MOUNT_PID" 2>/dev/null
    ((${#NGINX_PIDS[@]})) && kill "${NGINX_PIDS[@]}" 2>/dev/null
    ((RGW)) && "$REPO/tests/servers/rgw.sh" stop "$WORK/rgw" >/dev/null 2>&1
    wait 2>/dev/null
    rm -rf "$WORK" "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { echo "tensor_order.sh: $*" >&2; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
export NO_PROXY=127.0.0.1,localhost AWS_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true

# ------------------------------------------------------------------ data and servers
# The checkpoint has a web root of its own: the static listing nginx answers
# names every key of its root, whatever prefix a lookup asks for.
mkdir -p "$DATA/www/$BUCKET" "$DATA/www-torch/$BUCKET" "$DATA/www-gguf/$BUCKET" "$MNT"
log "generating a $SIZE model of $TENSORS tensors (names shuffled over offsets)"
$PY "$REPO/bench/tensor_order.py" generate "$DATA/www/$BUCKET/$KEY" --size "$SIZE" --tensors "$TENSORS" >&2
MODEL_BYTES=$(stat -c %s "$DATA/www/$BUCKET/$KEY")
sha_of() { $PY -c 'import json,sys; print(json.load(sys.stdin)["sha256"])'; }
WANT_HASH=$($PY "$REPO/bench/tensor_order.py" read "$DATA/www/$BUCKET/$KEY" --hash | sha_of)
if ((!SKIP_TORCH)); then
    log "generating a torch.save checkpoint of the same shape"
    $PY "$REPO/bench/tensor_order.py" generate-torch "$DATA/www-torch/$BUCKET/$CKPT" --size "$SIZE" --tensors "$TENSORS" >&2
    WANT_TORCH_HASH=$($PY "$REPO/bench/tensor_order.py" read "$DATA/www-torch/$BUCKET/$CKPT" --via torch --hash | sha_of)
fi
if ((!SKIP_GGUF)); then
    log "generating a $SIZE GGUF file shaped like a llama model"
    $PY "$REPO/bench/tensor_order.py" generate-gguf "$DATA/www-gguf/$BUCKET/$GGUF" --size "$SIZE" >&2
    WANT_GGUF_HASH=$($PY "$REPO/bench/tensor_order.py" read "$DATA/www-gguf/$BUCKET/$GGUF" --hash | sha_of)
fi

# shellcheck source=bench/nginx_s3.sh
. "$REPO/bench/nginx_s3.sh"
start_nginx() {  # NAME: serves $DATA/NAME; sets STARTED_ENDPOINT
    local port conf=$WORK/$1
    port=$($PY "$REPO/bench/bench_util.py" free-port)
    nginx_s3_conf "$conf" "$DATA/$1" "$port" "$BUCKET" off
    $PY "$REPO/bench/bench_util.py" list-xml "$DATA/$1" "$BUCKET" "$conf/list/$BUCKET.xml"
    chmod -R go+rX "$WORK" "$DATA"
    nginx -c "$conf/nginx.conf" -p "$conf" -e "$conf/error.log" </dev/null >/dev/null 2>&1 &
    NGINX_PIDS+=($!)
    for ((i = 0; i < 100; i++)); do curl -s -o /dev/null "http://127.0.0.1:$port/$BUCKET" && break; sleep 0.1; done
    STARTED_ENDPOINT=http://127.0.0.1:$port
}
start_nginx www
NGINX_ENDPOINT=$STARTED_ENDPOINT MODEL_NGINX_ENDPOINT=$STARTED_ENDPOINT
((SKIP_TORCH)) || { start_nginx www-torch; TORCH_NGINX_ENDPOINT=$STARTED_ENDPOINT; }
((SKIP_GGUF)) || { start_nginx www-gguf; GGUF_NGINX_ENDPOINT=$STARTED_ENDPOINT; }

# Started when its rows come: its work after an upload (seconds of both CPUs)
# would otherwise run during the nginx rows.
start_rgw() {
    log "starting Ceph RGW"
    RGW=1
    RGW_MEMSTORE_BYTES=$((4 << 30)) "$REPO/tests/servers/rgw.sh" start "$WORK/rgw" >"$WORK/rgw.log" 2>&1 ||
        { cat "$WORK/rgw.log" >&2; exit 1; }
    # shellcheck disable=SC1091
    . "$WORK/rgw/env"
    $PY "$REPO/tests/servers/s3_fixtures.py" "$WORK/rgw/env" create-bucket "$BUCKET" >&2
    local file
    for file in "www/$BUCKET/$KEY" $( ((SKIP_TORCH)) || echo "www-torch/$BUCKET/$CKPT") \
        $( ((SKIP_GGUF)) || echo "www-gguf/$BUCKET/$GGUF"); do
        $PY "$REPO/bench/bench_util.py" upload "$WORK/rgw/env" "$BUCKET" "${file##*/}" "$DATA/$file" $((64 << 20)) 4 >/dev/null
    done
    wait_quiet
}
# utime + stime of every process (fields 14 and 15; a name may hold spaces).
cpu_ticks() { sed 's/^.*) //' /proc/[0-9]*/stat 2>/dev/null | awk '{ t += $12 + $13 } END { print t + 0 }'; }
wait_quiet() {  # until the machine's processes use under 5% of a CPU for 3 s in a row (at most 3 min)
    local hz quiet=0 last now i
    hz=$(getconf CLK_TCK)
    last=$(cpu_ticks)
    for ((i = 0; i < 180 && quiet < 3; i++)); do
        sleep 1
        now=$(cpu_ticks)
        if ((now - last < hz / 20 + 1)); then quiet=$((quiet + 1)); else quiet=0; fi
        last=$now
    done
    ((quiet >= 3)) || log "the machine did not go quiet in 3 minutes; measuring anyway"
}

# ------------------------------------------------------------------ helpers
endpoint_of() { if [[ $1 == rgw ]]; then echo "$RGW_ENDPOINT"; else echo "$NGINX_ENDPOINT"; fi; }
# Environment and flags of objectfs for SERVER.
ofs_env() {
    if [[ $1 == rgw ]]; then
        echo "AWS_ENDPOINT_URL=$RGW_ENDPOINT AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY"
    else
        echo "AWS_ENDPOINT_URL=$NGINX_ENDPOINT"
    fi
}
ofs_sign() { [[ $1 == rgw ]] || echo --no-sign-request; }
mount_ofs() {  # SERVER [OPTION...]
    local server=$1
    # shellcheck disable=SC2046
    env $(ofs_env "$server") "$OFS" $(ofs_sign "$server") --stats "${@:2}" \
        mount "s3://$BUCKET" "$MNT" --foreground </dev/null >"$WORK/mount.log" 2>&1 &
    MOUNT_PID=$!
    wait_mounted
}
mount_s3fs() {  # SERVER
    local auth=(-o public_bucket=1)
    if [[ $1 == rgw ]]; then
        printf '%s:%s\n' "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" >"$WORK/s3fs.passwd"
        chmod 600 "$WORK/s3fs.passwd"
        auth=(-o "passwd_file=$WORK/s3fs.passwd")
    fi
    s3fs "$BUCKET" "$MNT" -f -o ro -o "url=$(endpoint_of "$1")" -o use_path_request_style \
        "${auth[@]}" </dev/null >"$WORK/mount.log" 2>&1 &
    MOUNT_PID=$!
    wait_mounted
}
wait_mounted() {
    for ((i = 0; i < 200; i++)); do
        mountpoint -q "$MNT" && return 0
        kill -0 "$MOUNT_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$WORK/mount.log" >&2
    exit 1
}
unmount() {  # sets PEAK: the daemon's peak RSS (VmHWM) over the mount's life
    PEAK="peak RSS $(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$MOUNT_PID/status") MiB"
    fusermount3 -u "$MNT" || umount -l "$MNT"
    wait "$MOUNT_PID" || true
    MOUNT_PID=""
}
stat_of() { $PY "$REPO/bench/bench_util.py" stats "$WORK/mount.log" "$1"; }
secs_of() { $PY -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }
ROWS=()
row() {  # SERVER RUN WHAT SECONDS BASELINE_SECONDS NOTES (GB/s of the model's bytes)
    local line
    line=$(awk -v s="$1" -v r="$2" -v w="$3" -v t="$4" -v b="$5" -v n="$6" -v bytes="${ROW_BYTES:-$MODEL_BYTES}" \
        'BEGIN { printf "| %s | %s | %s | %.2f | %.2f | %.2fx | %s |", s, r, w, t, bytes / t / 1e9, b / t, n }')
    ROWS+=("$line")
    echo "$line" >&2
}
reader() {  # VIA FILE [--hash]: seconds of one name-order read
    drop_caches
    $PY "$REPO/bench/tensor_order.py" read "$2" --via "$1" "${@:3}"
}
# One read through a fresh mount, page cache dropped: MOUNT... (mount_ofs
# SERVER [FLAG...] or mount_s3fs SERVER), then VIA (cat, or a reader of
# tensor_order.py) of FILE, then the unmount. Sets SECS and PEAK.
timed_read() {  # VIA FILE MOUNT...
    local t
    "${@:3}"
    if [[ $1 == cat ]]; then
        drop_caches
        t=$(now_ms)
        cat "$MNT/$2" >/dev/null
        SECS=$(awk -v ms="$(($(now_ms) - t))" 'BEGIN { printf "%.3f", ms / 1000 }')
    else
        SECS=$(reader "$1" "$MNT/$2" | secs_of)
    fi
    unmount
}

# Exactness through a mount: an untimed read with the digest.
check_exact() {  # SERVER VIA FILE WANT_HASH WHAT
    local got
    mount_ofs "$1"
    got=$(reader "$2" "$MNT/$3" --hash | sha_of)
    unmount
    [[ $got == "$4" ]] || { log "$1: $5 through the mount differ"; exit 1; }
}

# ------------------------------------------------------------------ rows
safetensors_rows() {  # SERVER
    local server=$1 run cat_s via s3fs_cat
    for ((run = 1; run <= RUNS; run++)); do
        timed_read cat "$KEY" mount_ofs "$server"
        cat_s=$SECS
        row "$server" "$run" "objectfs mount, cat (baseline)" "$cat_s" "$cat_s" "GETs $(stat_of get_requests), $PEAK"

        timed_read pread "$KEY" mount_ofs "$server"
        row "$server" "$run" "objectfs mount, every tensor in name order (pread)" "$SECS" "$cat_s" \
            "prefetch_bytes $(stat_of prefetch_bytes), downloaded $(stat_of bytes_downloaded), $PEAK"

        timed_read memmap "$KEY" mount_ofs "$server"
        row "$server" "$run" "objectfs mount, every tensor in name order (numpy.memmap)" "$SECS" "$cat_s" \
            "downloaded $(stat_of bytes_downloaded), $PEAK"

        timed_read pread "$KEY" mount_ofs "$server" --prefetch-formats off
        row "$server" "$run" "objectfs mount --prefetch-formats off, name order (pread)" "$SECS" "$cat_s" \
            "downloaded $(stat_of bytes_downloaded), $PEAK"

        # A budget a quarter of the model: the plan can only run ahead.
        for via in pread memmap; do
            timed_read "$via" "$KEY" mount_ofs "$server" --memory-limit $((MODEL_BYTES / 4))
            row "$server" "$run" "objectfs mount --memory-limit model/4, name order ($via)" "$SECS" "$cat_s" \
                "downloaded $(stat_of bytes_downloaded), $PEAK"
        done
    done
    check_exact "$server" pread "$KEY" "$WANT_HASH" "tensor bytes"
    if ((!SKIP_S3FS)); then
        timed_read cat "$KEY" mount_s3fs "$server"
        s3fs_cat=$SECS
        timed_read pread "$KEY" mount_s3fs "$server"
        row "$server" 1 "s3fs, every tensor in name order (pread)" "$SECS" "$cat_s" \
            "ratio to the last objectfs cat; s3fs cat took ${s3fs_cat}s; $PEAK"
    fi
}

torch_rows() {  # SERVER
    local server=$1 run base_s prefetch
    ROW_BYTES=$(stat -c %s "$DATA/www-torch/$BUCKET/$CKPT") NGINX_ENDPOINT=$TORCH_NGINX_ENDPOINT
    for ((run = 1; run <= RUNS; run++)); do
        # torch.load fills fresh tensors wherever it reads from: the
        # baseline is the same load of the file in tmpfs.
        base_s=$($PY "$REPO/bench/tensor_order.py" read "$DATA/www-torch/$BUCKET/$CKPT" --via torch | secs_of)
        row "$server" "$run" "torch.load of the checkpoint in tmpfs (baseline)" "$base_s" "$base_s" "-"
        for prefetch in auto off; do
            timed_read torch "$CKPT" mount_ofs "$server" --prefetch-formats "$prefetch"
            row "$server" "$run" "objectfs mount --prefetch-formats $prefetch, torch.load" "$SECS" "$base_s" \
                "plans $(stat_of prefetch_plans), downloaded $(stat_of bytes_downloaded), $PEAK"
        done
    done
    check_exact "$server" torch "$CKPT" "$WANT_TORCH_HASH" "checkpoint tensors"
    unset ROW_BYTES
    NGINX_ENDPOINT=$MODEL_NGINX_ENDPOINT
}

gguf_rows() {  # SERVER
    local server=$1 run cat_s via prefetch
    ROW_BYTES=$(stat -c %s "$DATA/www-gguf/$BUCKET/$GGUF") NGINX_ENDPOINT=$GGUF_NGINX_ENDPOINT
    for ((run = 1; run <= RUNS; run++)); do
        timed_read cat "$GGUF" mount_ofs "$server"
        cat_s=$SECS
        row "$server" "$run" "objectfs mount, cat of the GGUF file (baseline)" "$cat_s" "$cat_s" "$PEAK"
        for via in pread memmap; do
            for prefetch in auto off; do
                timed_read "$via" "$GGUF" mount_ofs "$server" --prefetch-formats "$prefetch"
                row "$server" "$run" "objectfs mount --prefetch-formats $prefetch, GGUF in llama.cpp's order ($via)" \
                    "$SECS" "$cat_s" "plans $(stat_of prefetch_plans), downloaded $(stat_of bytes_downloaded), $PEAK"
            done
        done
    done
    check_exact "$server" memmap "$GGUF" "$WANT_GGUF_HASH" "GGUF tensor bytes"
    unset ROW_BYTES
    NGINX_ENDPOINT=$MODEL_NGINX_ENDPOINT
}

safe_open_row() {  # SERVER
    local server=$1 half fields h_secs h_fetched h_asked h_ratio
    # shellcheck disable=SC2046
    half=$(env $(ofs_env "$server") PYTHONPATH="$REPO/build/python" $PY "$REPO/bench/tensor_order.py" \
        safe-open "s3://$BUCKET/$KEY" $(ofs_sign "$server"))
    log "$server safe_open of half the tensors: $half"
    fields=$(echo "$half" | $PY -c 'import json, sys
d = json.load(sys.stdin)
print(d["seconds"], d["fetched"], d["asked"], d["ratio"])')
    read -r h_secs h_fetched h_asked h_ratio <<<"$fields"
    ROWS+=("| $server | 1 | Python safe_open, half the tensors (every other name) | $h_secs | - | - | bytes fetched / asked: $h_fetched / $h_asked = $h_ratio |")
}

for server in nginx rgw; do
    [[ $server == rgw ]] && start_rgw
    ((SKIP_SAFETENSORS)) || safetensors_rows "$server"
    ((SKIP_TORCH)) || torch_rows "$server"
    ((SKIP_GGUF)) || gguf_rows "$server"
    ((SKIP_SAFETENSORS)) || safe_open_row "$server"
done

{
    echo "model: $((MODEL_BYTES >> 20)) MiB, $TENSORS tensors, names shuffled over offsets; $(nproc) CPUs; commit $(git -C "$REPO" rev-parse --short HEAD); $OFS"
    ((SKIP_GGUF)) || echo "GGUF: $(($(stat -c %s "$DATA/www-gguf/$BUCKET/$GGUF") >> 20)) MiB, llama-shaped, 16 layers, token_embd and output 3/16 of it each"
    echo
    echo "| server | run | workload (fresh mount, page cache dropped) | seconds | GB/s | vs the same run's baseline | notes |"
    echo "|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$OUT"
