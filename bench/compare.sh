#!/usr/bin/env bash
# End-to-end read benchmark: objectfs against curl (the raw limit), s3fs and rclone, on a
# Ceph RGW and on nginx serving the same bytes as "anonymous S3", all started here.
#
#   bench/compare.sh [--quick] [--skip-peers] [--runs N] [--reads N] [--keep-logs DIR]
#
#   --quick          a 512 MiB object, 8 x 64 MiB and a 3,000-object tree (smoke run,
#                    ~3 min) instead of 2 GiB, 8 x 256 MiB and 10,000 objects (~10-15 min)
#   --skip-peers     no s3fs / rclone rows
#   --runs N         cold runs of each big.bin curl and objectfs row and of the disk-cache
#                    warm and fresh-mount rows, the table shows the fastest (default 3; 1
#                    with --quick); s3fs, rclone, the shards and the random reads run once
#   --reads N        random 64 KiB reads per random-read row (default 2000; 500 with --quick)
#   --keep-logs DIR  copy the server access logs and every run's output to DIR at exit
#
# Needs root (drop_caches, FUSE mounts). Installs what it lacks (apt-get: s3fs rclone
# nginx-light time; scripts/setup.sh for the rest and the build). Everything it starts
# lives under one temp dir (plus the object bytes under /dev/shm) and is stopped and
# removed on exit, Ctrl-C or TERM. Prints one markdown table on stdout and saves it to
# bench/results/latest.md; progress goes to stderr.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PY=/usr/bin/python3
UTIL="$PY $REPO/bench/bench_util.py"
FIX="$PY $REPO/tests/servers/s3_fixtures.py"
BUCKET=bench
MIB=$((1 << 20))
GIB=$((1 << 30))

ARGS=("$@")
QUICK=0
SKIP_PEERS=0
RUNS=""
READS=""
KEEP_LOGS=""
while [[ $# -gt 0 ]]; do
    case $1 in
        --quick) QUICK=1 ;;
        --skip-peers) SKIP_PEERS=1 ;;
        --runs) RUNS=${2:?--runs needs a number}; shift ;;
        --reads) READS=${2:?--reads needs a number}; shift ;;
        --keep-logs) KEEP_LOGS=${2:?--keep-logs needs a directory}; shift ;;
        -h | --help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "compare.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if ((QUICK)); then
    BIG_SIZE=$((512 * MIB)); SHARD_SIZE=$((64 * MIB)); RUNS=${RUNS:-1}; READS=${READS:-500}
    MEMSTORE=$((3 * GIB))
else
    BIG_SIZE=$((2 * GIB)); SHARD_SIZE=$((256 * MIB)); RUNS=${RUNS:-3}; READS=${READS:-2000}
    MEMSTORE=$((6 * GIB))
fi
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs must be >= 1" >&2; exit 2; }
[[ $READS =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --reads must be >= 1" >&2; exit 2; }
NSHARDS=8
UPLOAD_PART=$((64 * MIB))
READ_SIZE=65536
SEED=42
MEMORY_LIMIT=256M

T0=$(date +%s%N)
log() { printf 'compare.sh [+%5.1fs]: %s\n' "$(( ($(date +%s%N) - T0) / 1000000 ))e-3" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "run as root (drop_caches and FUSE mounts need it)"
    exec sudo -E "$0" "${ARGS[@]}"
fi

# Loopback only: no proxies for any client; the AWS variables of the machine are not ours.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL \
    AWS_ENDPOINT_URL_S3 AWS_REGION AWS_DEFAULT_REGION

# ---------------------------------------------------------------- install and build
install_missing() {
    local pkgs=() need=(nginx:nginx-light /usr/bin/time:time curl:curl)
    ((SKIP_PEERS)) || need+=(s3fs:s3fs rclone:rclone)
    local item
    for item in "${need[@]}"; do
        command -v "${item%%:*}" >/dev/null 2>&1 || pkgs+=("${item#*:}")
    done
    if [[ ${#pkgs[@]} -gt 0 ]]; then
        log "installing ${pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 ||
            { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2; } ||
            die "apt-get install ${pkgs[*]} failed"
    fi
    local b
    for b in radosgw ceph-mon ceph-osd cmake; do
        command -v "$b" >/dev/null 2>&1 || { NEED_SETUP=1; break; }
    done
    $PY -c 'import boto3' 2>/dev/null || NEED_SETUP=1
}
NEED_SETUP=0
install_missing
if [[ ! -x $REPO/build/objectfs || $NEED_SETUP == 1 ]]; then
    log "running scripts/setup.sh (packages and build)"
    "$REPO/scripts/setup.sh" >&2 || die "scripts/setup.sh failed"
fi
if [[ ! -x $REPO/build/bench/random_read || $REPO/bench/random_read.cpp -nt $REPO/build/bench/random_read ]]; then
    log "building build/bench/random_read"
    cmake --build "$REPO/build" --target random_read >&2 || die "could not build random_read"
fi

# ---------------------------------------------------------------- temp dirs and cleanup
WORK=$(mktemp -d "${TMPDIR:-/tmp}/objectfs-bench.XXXXXX") || die "mktemp failed"
chmod 755 "$WORK"
DATA=""
declare -A CHILDREN=()  # pid -> 1 for processes running in the background right now
DAEMONS=()              # s3fs / rclone pids
MOUNTS=()
NGINX_PID=""
RGW_STARTED=0

kill_tree() {  # SIGNAL PID: the process and its descendants, children first
    local sig=$1 pid=$2 c
    for c in $(pgrep -P "$pid" 2>/dev/null); do kill_tree "$sig" "$c"; done
    kill "-$sig" "$pid" 2>/dev/null || true
}

stop_pid() {  # PID: TERM, up to 10 s, then KILL
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

is_mounted() { awk -v m="$1" '$2 == m {found = 1} END {exit !found}' /proc/mounts; }

unmount() {
    local m=$1 i
    is_mounted "$m" || return 0
    umount "$m" 2>/dev/null || fusermount -u "$m" 2>/dev/null
    for ((i = 0; i < 50; i++)); do is_mounted "$m" || return 0; sleep 0.1; done
    log "lazy unmount of $m"
    umount -l "$m" 2>/dev/null
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    log "cleaning up (exit status $rc)"
    local pid m
    for pid in "${!CHILDREN[@]}"; do kill_tree TERM "$pid"; done
    if [[ -n $KEEP_LOGS ]] && mkdir -p "$KEEP_LOGS"; then
        cp -r "$WORK/runs" "$WORK/nginx" "$WORK/rows.tsv" "$KEEP_LOGS/" 2>/dev/null
        [[ -n ${RGW_LOG:-} ]] && cp "$RGW_LOG" "$KEEP_LOGS/rgw-access.log" 2>/dev/null
        log "logs kept in $KEEP_LOGS"
    fi
    for pid in "${!CHILDREN[@]}"; do
        for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill_tree KILL "$pid"
    done
    for m in "${MOUNTS[@]}"; do unmount "$m"; done
    for pid in "${DAEMONS[@]}"; do stop_pid "$pid"; done
    [[ -n $NGINX_PID ]] && stop_pid "$NGINX_PID"
    if ((RGW_STARTED)); then
        "$REPO/tests/servers/rgw.sh" stop "$WORK/rgw" 2>&1 | tail -n 1 >&2
    fi
    for m in "${MOUNTS[@]}"; do is_mounted "$m" && log "WARNING: $m is still mounted"; done
    rm -rf "$WORK"
    [[ -n $DATA ]] && rm -rf "$DATA"
    log "done"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

# spawn CMD...: start CMD in the background (tracked for cleanup); its pid is in $!.
spawn() {
    "$@" &
    CHILDREN[$!]=1
}
# await PID...: wait for them (interruptible by Ctrl-C); returns the last non-zero status.
await() {
    local pid rc=0 r
    for pid in "$@"; do
        wait "$pid"
        r=$?
        unset "CHILDREN[$pid]"
        ((r != 0)) && rc=$r
    done
    return "$rc"
}
# Commands run as `spawn CMD >out 2>err; await $!` rather than in the foreground: `wait`
# returns as soon as Ctrl-C arrives, and the traps never run with a command's redirections
# still in place (redirections on a function call would be active during its `wait`).

now_ns() { date +%s%N; }
secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }

drop_caches() {
    sync
    echo 3 >/proc/sys/vm/drop_caches || die "cannot drop the page cache"
}

# ---------------------------------------------------------------- servers
NEED_BYTES=$((BIG_SIZE + NSHARDS * SHARD_SIZE))
# The bytes nginx serves live in tmpfs (RAM, like RGW's memstore), so "cold" means cold
# client-side caches, not a disk read on the server. Room for the data plus the copies.
shm_avail=$(df -B1 --output=avail /dev/shm 2>/dev/null | tail -n 1 | tr -d ' ')
if [[ $shm_avail =~ ^[0-9]+$ ]] && ((shm_avail > 2 * NEED_BYTES + GIB)); then
    DATA=$(mktemp -d /dev/shm/objectfs-bench.XXXXXX)
else
    log "not enough room in /dev/shm; keeping the data under $WORK (disk)"
    DATA=$WORK/data
    mkdir -p "$DATA"
fi
chmod 755 "$DATA"
mkdir -p "$DATA/www/$BUCKET" "$DATA/out" "$WORK/nginx/tmp" "$WORK/nginx/list" "$WORK/runs" \
    "$WORK/mnt"
chmod -R 755 "$DATA/www" "$WORK/nginx"

log "starting Ceph RGW (memstore $((MEMSTORE / GIB)) GiB) in $WORK/rgw"
RGW_STARTED=1
spawn env RGW_MEMSTORE_BYTES=$MEMSTORE RGW_DEBUG=1 "$REPO/tests/servers/rgw.sh" start "$WORK/rgw" \
    2>"$WORK/rgw-start.log"
await $! || { cat "$WORK/rgw-start.log" >&2; die "RGW did not start"; }
# shellcheck disable=SC1091
. "$WORK/rgw/env"
RGW_LOG=$WORK/rgw/log/client.rgw.a.log

NGINX_PORT=$($UTIL free-port)
NGINX_ENDPOINT=http://127.0.0.1:$NGINX_PORT
NGINX_LOG=$WORK/nginx/access.log
# shellcheck source=bench/nginx_s3.sh
. "$REPO/bench/nginx_s3.sh"
nginx_s3_conf "$WORK/nginx" "$DATA/www" "$NGINX_PORT" "$BUCKET" "$NGINX_LOG"
log "starting nginx on $NGINX_ENDPOINT"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -t >/dev/null 2>&1 ||
    { nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -t; die "bad nginx config"; }
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -e "$WORK/nginx/error.log" </dev/null \
    >>"$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!
for ((i = 0; i < 100; i++)); do
    curl -s -o /dev/null --max-time 1 "$NGINX_ENDPOINT/" && break
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$WORK/nginx/error.log" >&2; die "nginx died"; }
    sleep 0.1
done

# ---------------------------------------------------------------- data
declare -A SHA=()
KEYS=(big.bin)
for ((i = 0; i < NSHARDS; i++)); do KEYS+=("shard-$i.bin"); done
size_of() { if [[ $1 == big.bin ]]; then echo "$BIG_SIZE"; else echo "$SHARD_SIZE"; fi; }

log "generating $((NEED_BYTES / MIB)) MiB of deterministic bytes (big.bin $((BIG_SIZE / MIB)) MiB, $NSHARDS x $((SHARD_SIZE / MIB)) MiB) into $DATA/www/$BUCKET"
gen_pids=()
for key in "${KEYS[@]}"; do
    spawn $FIX /dev/null gen-bytes "$(size_of "$key")" "bench:$key" "$DATA/www/$BUCKET/$key" \
        >"$WORK/sha.$key"
    gen_pids+=($!)
    if ((${#gen_pids[@]} >= 2)); then await "${gen_pids[@]}" || die "gen-bytes failed"; gen_pids=(); fi
done
await "${gen_pids[@]}" || die "gen-bytes failed"
for key in "${KEYS[@]}"; do
    SHA[$key]=$(cat "$WORK/sha.$key")
    [[ ${SHA[$key]} =~ ^[0-9a-f]{64}$ ]] || die "no sha256 for $key"
done
# shellcheck source=bench/loader_rows.sh
. "$REPO/bench/loader_rows.sh"
model_setup
chmod 644 "$DATA/www/$BUCKET"/*
$UTIL list-xml "$DATA/www" "$BUCKET" "$WORK/nginx/list/$BUCKET.xml" || die "list-xml failed"
chmod 644 "$WORK/nginx/list/$BUCKET.xml"

log "uploading to RGW (multipart, $((UPLOAD_PART / MIB)) MiB parts)"
$FIX "$WORK/rgw/env" create-bucket "$BUCKET" || die "create-bucket failed"
up_pids=()
for key in "${KEYS[@]}"; do
    spawn $UTIL upload "$WORK/rgw/env" "$BUCKET" "$key" "$DATA/www/$BUCKET/$key" "$UPLOAD_PART" 4 \
        >"$WORK/etag.$key"
    up_pids+=($!)
    if ((${#up_pids[@]} >= 2)); then await "${up_pids[@]}" || die "upload failed"; up_pids=(); fi
done
await "${up_pids[@]}" || die "upload failed"

# Both servers answer with the right sizes and a listing.
for key in "${KEYS[@]}"; do
    want=$(size_of "$key")
    got=$(curl -sS -I "$NGINX_ENDPOINT/$BUCKET/$key" | tr -d '\r' | awk 'tolower($1) == "content-length:" {print $2}')
    [[ $got == "$want" ]] || die "nginx HEAD $key: size '$got', expected $want"
done
curl -sS "$NGINX_ENDPOINT/$BUCKET?list-type=2&prefix=" | grep -q "<Key>big.bin</Key>" ||
    die "nginx does not list the bucket"
$FIX "$WORK/rgw/env" list "$BUCKET" >"$WORK/rgw-list.txt" || die "RGW list failed"
[[ $(wc -l <"$WORK/rgw-list.txt") -eq ${#KEYS[@]} ]] || die "RGW lists $(wc -l <"$WORK/rgw-list.txt") objects"
log "data ready: big.bin sha256 ${SHA[big.bin]:0:16}..., ETag on RGW $(cat "$WORK/etag.big.bin")"

# ---------------------------------------------------------------- clients
BIN=$WORK/bin  # snapshot of the binaries: others may rebuild build/ meanwhile
mkdir -p "$BIN"
cp "$REPO/build/objectfs" "$REPO/build/bench/random_read" "$REPO/build/bench/disk_cache_read" "$BIN/"
HAVE_MEMLIMIT=0
"$BIN/objectfs" --help 2>&1 | grep -q -- '--memory-limit' && HAVE_MEMLIMIT=1

SERVERS=(nginx rgw)
endpoint_of() { if [[ $1 == rgw ]]; then echo "$RGW_ENDPOINT"; else echo "$NGINX_ENDPOINT"; fi; }
log_of() { if [[ $1 == rgw ]]; then echo "$RGW_LOG"; else echo "$NGINX_LOG"; fi; }
# Sets OFS_ENV (env assignments) and OFS_FLAGS (objectfs / random_read flags) for a server.
client_setup() {
    OFS_ENV=(AWS_ENDPOINT_URL="$(endpoint_of "$1")" AWS_REGION=us-east-1
        AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true)
    if [[ $1 == rgw ]]; then
        OFS_ENV+=(AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY")
        OFS_FLAGS=()
        CURL_AUTH=(--aws-sigv4 aws:amz:us-east-1:s3 --user "$RGW_ACCESS_KEY:$RGW_SECRET_KEY"
            -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD')
    else
        OFS_FLAGS=(--no-sign-request)
        CURL_AUTH=()
    fi
}

log_mark() { local f; f=$(log_of "$1"); if [[ -f $f ]]; then wc -l <"$f"; else echo 0; fi; }
# log_count SERVER MARK REGEX: GET lines for matching paths logged since MARK.
log_count() {
    local f
    f=$(log_of "$1")
    [[ $1 == rgw ]] && sleep 0.5  # radosgw writes its log from a background thread
    tail -n "+$(($2 + 1))" "$f" 2>/dev/null | grep -E -c "\"GET /$BUCKET/$3[ ?]" || true
}

# A server that died (killed by a Ctrl-C sent to the whole process group, or by the
# OOM killer) ends the run: every later row would only fail.
check_servers() {
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx (pid $NGINX_PID) is gone: $(tail -n 2 "$WORK/nginx/error.log" | tr '\n' ' ')"
    "$REPO/tests/servers/rgw.sh" status "$WORK/rgw" >/dev/null 2>&1 || die "Ceph RGW is not running any more"
}

ROWS=$WORK/rows.tsv
: >"$ROWS"
# row KEY CLIENT SERVER WORKLOAD KIND SECONDS BYTES GETS LOG_GETS RSS_KIB NOTES
row() {
    local IFS=$'\t'
    printf '%s\n' "$*" >>"$ROWS"
}
failed() {  # KEY CLIENT SERVER WORKLOAD WHY
    log "FAILED: $2 / $3 / $4: $5"
    row "$1" "$2" "$3" "$4" "-" FAILED 0 - - - "$(echo "$5" | tr '\t\n|' '  /' | cut -c1-160)"
}

# ---- curl: one stream, or N ranged streams (one process each)
curl_ranges() {  # SERVER KEY SIZE N RUN
    check_servers
    local server=$1 key=$2 size=$3 n=$4 run=$5 url chunk i start end pids=() t mark rc=0
    local label="curl" workload tag kind=limit
    client_setup "$server"
    url=$(endpoint_of "$server")/$BUCKET/$key
    if ((n == 1)); then workload="$key, 1 stream"; tag=curl1; kind=seq
    else workload="$key, $n ranged GETs in parallel"; tag=curl$n; fi
    local dir=$WORK/runs/$tag.$server.$run
    mkdir -p "$dir"
    chunk=$(((size + n - 1) / n))
    drop_caches
    mark=$(log_mark "$server")
    t=$(now_ns)
    for ((i = 0; i < n; i++)); do
        start=$((i * chunk)); end=$((start + chunk - 1)); ((end >= size)) && end=$((size - 1))
        local range=()
        ((n > 1)) && range=(-r "$start-$end")
        spawn /usr/bin/time -f %M -o "$dir/rss.$i" curl -sS --noproxy '*' -o /dev/null \
            -w '%{http_code} %{size_download}\n' "${CURL_AUTH[@]}" "${range[@]}" "$url" \
            >"$dir/out.$i" 2>"$dir/err.$i"
        pids+=($!)
    done
    await "${pids[@]}" || rc=$?
    local secs; secs=$(secs_since "$t")
    local logged; logged=$(log_count "$server" "$mark" "$key")
    local total=0 rss=0 want_code=206
    ((n == 1)) && want_code=200
    for ((i = 0; i < n; i++)); do
        read -r code got <"$dir/out.$i"
        [[ ${code:-} == "$want_code" ]] || { failed "$tag.$server" "$label" "$server" "$workload" "HTTP ${code:-?}: $(head -c 200 "$dir/err.$i")"; return; }
        total=$((total + got))
        rss=$((rss + $(tail -n 1 "$dir/rss.$i")))
    done
    ((rc == 0 && total == size)) || { failed "$tag.$server" "$label" "$server" "$workload" "rc $rc, $total of $size bytes"; return; }
    local notes=""
    ((n > 1)) && notes="$n processes, RSS summed"
    row "$tag.$server" "$label" "$server" "$workload" "$kind" "$secs" "$size" "$n" "$logged" "$rss" "$notes"
    log "  $label $server $workload: ${secs}s"
}

# ---- objectfs cp / cat of one object
ofs_big() {  # SERVER MODE(cp|cat|catmem) RUN
    check_servers
    local server=$1 mode=$2 run=$3 uri="s3://$BUCKET/big.bin" t mark rc=0 extra=() notes=""
    client_setup "$server"
    local dir=$WORK/runs/ofs-$mode.$server.$run workload client="objectfs"
    mkdir -p "$dir"
    case $mode in
        cp) workload="big.bin, cp to tmpfs" ;;
        cat) workload="big.bin, cat > /dev/null" ;;
        catmem)
            workload="big.bin, cat > /dev/null, --memory-limit $MEMORY_LIMIT"
            if ((HAVE_MEMLIMIT)); then extra=(--memory-limit "$MEMORY_LIMIT")
            else notes="--memory-limit not in this build: ran without it"; fi ;;
    esac
    rm -f "$DATA/out/big.bin"
    drop_caches
    mark=$(log_mark "$server")
    t=$(now_ns)
    if [[ $mode == cp ]]; then
        spawn env "${OFS_ENV[@]}" /usr/bin/time -f %M -o "$dir/rss" "$BIN/objectfs" "${OFS_FLAGS[@]}" \
            --stats cp "$uri" "$DATA/out/big.bin" >"$dir/out" 2>"$dir/err"
    else
        spawn env "${OFS_ENV[@]}" /usr/bin/time -f %M -o "$dir/rss" "$BIN/objectfs" "${OFS_FLAGS[@]}" \
            "${extra[@]}" --stats cat "$uri" >/dev/null 2>"$dir/err"
    fi
    await $! || rc=$?
    local secs; secs=$(secs_since "$t")
    local logged; logged=$(log_count "$server" "$mark" big.bin)
    local tag="ofs-$mode.$server"
    ((rc == 0)) || { failed "$tag" "$client" "$server" "$workload" "rc $rc: $(grep -v '^stats:' "$dir/err" | head -c 200)"; return; }
    local gets down
    read -r gets down < <($UTIL stats "$dir/err" get_requests bytes_downloaded)
    if [[ $mode == cp && $run == 1 ]]; then
        local sha
        sha=$(sha256sum "$DATA/out/big.bin" | cut -d' ' -f1)
        [[ $sha == "${SHA[big.bin]}" ]] || { failed "$tag" "$client" "$server" "$workload" "sha256 mismatch"; return; }
        notes="sha256 verified"
    fi
    rm -f "$DATA/out/big.bin"
    ((down == BIG_SIZE)) || notes+="${notes:+; }downloaded $down bytes"
    row "$tag" "$client" "$server" "$workload" seq "$secs" "$BIG_SIZE" "$gets" "$logged" \
        "$(tail -n 1 "$dir/rss")" "$notes"
    log "  objectfs $server $workload: ${secs}s, $gets GETs"
}

# ---- the shards: 8 objects, whole-object GETs in parallel / objectfs cp
shards_curl() {  # SERVER RUN
    check_servers
    local server=$1 run=$2 i pids=() t mark rc=0 total=0 rss=0
    client_setup "$server"
    local dir=$WORK/runs/shards-curl.$server.$run workload="$NSHARDS x $((SHARD_SIZE / MIB)) MiB, $NSHARDS curls in parallel"
    mkdir -p "$dir"
    drop_caches
    mark=$(log_mark "$server")
    t=$(now_ns)
    for ((i = 0; i < NSHARDS; i++)); do
        spawn /usr/bin/time -f %M -o "$dir/rss.$i" curl -sS --noproxy '*' -o /dev/null \
            -w '%{http_code} %{size_download}\n' "${CURL_AUTH[@]}" \
            "$(endpoint_of "$server")/$BUCKET/shard-$i.bin" >"$dir/out.$i" 2>"$dir/err.$i"
        pids+=($!)
    done
    await "${pids[@]}" || rc=$?
    local secs; secs=$(secs_since "$t")
    local logged; logged=$(log_count "$server" "$mark" 'shard-[0-9]+\.bin')
    for ((i = 0; i < NSHARDS; i++)); do
        read -r code got <"$dir/out.$i"
        [[ ${code:-} == 200 ]] || { failed "shards-curl.$server" curl "$server" "$workload" "HTTP ${code:-?}"; return; }
        total=$((total + got)); rss=$((rss + $(tail -n 1 "$dir/rss.$i")))
    done
    ((rc == 0 && total == NSHARDS * SHARD_SIZE)) || { failed "shards-curl.$server" curl "$server" "$workload" "rc $rc, $total bytes"; return; }
    row "shards-curl.$server" curl "$server" "$workload" other "$secs" "$total" "$NSHARDS" "$logged" "$rss" \
        "$NSHARDS processes, RSS summed"
    log "  curl $server $workload: ${secs}s"
}

shards_ofs() {  # SERVER MODE(par|seq) RUN
    check_servers
    local server=$1 mode=$2 run=$3 i pids=() t mark rc=0 gets=0 rss=0 g
    client_setup "$server"
    local dir=$WORK/runs/shards-ofs-$mode.$server.$run workload notes
    if [[ $mode == par ]]; then
        workload="$NSHARDS x $((SHARD_SIZE / MIB)) MiB, $NSHARDS objectfs cp in parallel"
        notes="$NSHARDS processes, RSS summed"
    else
        workload="$NSHARDS x $((SHARD_SIZE / MIB)) MiB, objectfs cp one after another"
        notes="RSS of the largest process"
    fi
    mkdir -p "$dir"
    rm -f "$DATA/out"/shard-*
    drop_caches
    mark=$(log_mark "$server")
    t=$(now_ns)
    for ((i = 0; i < NSHARDS; i++)); do
        spawn env "${OFS_ENV[@]}" /usr/bin/time -f %M -o "$dir/rss.$i" "$BIN/objectfs" "${OFS_FLAGS[@]}" \
            --stats cp "s3://$BUCKET/shard-$i.bin" "$DATA/out/shard-$i.bin" >/dev/null 2>"$dir/err.$i"
        pids+=($!)
        if [[ $mode == seq ]]; then await "${pids[@]}" || rc=$?; pids=(); fi
    done
    ((${#pids[@]} > 0)) && { await "${pids[@]}" || rc=$?; }
    local secs; secs=$(secs_since "$t")
    local logged; logged=$(log_count "$server" "$mark" 'shard-[0-9]+\.bin')
    local tag="shards-ofs-$mode.$server"
    ((rc == 0)) || { failed "$tag" objectfs "$server" "$workload" "rc $rc: $(cat "$dir"/err.* | grep -v '^stats:' | head -c 200)"; return; }
    for ((i = 0; i < NSHARDS; i++)); do
        read -r g < <($UTIL stats "$dir/err.$i" get_requests)
        gets=$((gets + g))
        local r; r=$(tail -n 1 "$dir/rss.$i")
        if [[ $mode == par ]]; then rss=$((rss + r)); else ((r > rss)) && rss=$r; fi
        if [[ $run == 1 ]]; then
            [[ $(sha256sum "$DATA/out/shard-$i.bin" | cut -d' ' -f1) == "${SHA[shard-$i.bin]}" ]] ||
                { failed "$tag" objectfs "$server" "$workload" "sha256 mismatch on shard-$i.bin"; return; }
        fi
    done
    [[ $run == 1 ]] && notes+="; sha256 verified"
    rm -f "$DATA/out"/shard-*
    row "$tag" objectfs "$server" "$workload" other "$secs" "$((NSHARDS * SHARD_SIZE))" "$gets" "$logged" "$rss" "$notes"
    log "  objectfs $server $workload: ${secs}s, $gets GETs"
}

# ---- random 64 KiB reads
random_reads() {  # SERVER MODE(engine|raw) RUN
    check_servers
    local server=$1 mode=$2 run=$3 t mark rc=0
    client_setup "$server"
    local dir=$WORK/runs/rr-$mode.$server.$run
    local workload="big.bin, $READS random $((READ_SIZE / 1024)) KiB preads, $mode mode"
    local client="random_read"
    mkdir -p "$dir"
    drop_caches
    mark=$(log_mark "$server")
    spawn env "${OFS_ENV[@]}" /usr/bin/time -f %M -o "$dir/rss" "$BIN/random_read" "s3://$BUCKET/big.bin" \
        --reads "$READS" --size "$READ_SIZE" --seed "$SEED" --mode "$mode" "${OFS_FLAGS[@]}" \
        >"$dir/out" 2>"$dir/err"
    await $! || rc=$?
    local logged; logged=$(log_count "$server" "$mark" big.bin)
    local tag="rr-$mode.$server"
    ((rc == 0)) || { failed "$tag" "$client" "$server" "$workload" "rc $rc: $(head -c 200 "$dir/err")"; return; }
    local line; line=$(cat "$dir/out")
    kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
    local secs bytes gets rps fpb
    secs=$(kv seconds); bytes=$(kv bytes_read); gets=$(kv get_requests)
    rps=$(kv reads_per_s); fpb=$(kv fetched_per_read_byte)
    row "$tag" "$client" "$server" "$workload" random "$secs" "$bytes" "$gets" "$logged" \
        "$(tail -n 1 "$dir/rss")" "$rps reads/s; $fpb bytes fetched per byte read"
    log "  random_read $server $mode: $rps reads/s, fetched/read $fpb"
}

# ---- s3fs / rclone: mount read-only, cat big.bin > /dev/null cold, daemon's VmHWM
peer_mount() {  # PEER SERVER MNT LOGFILE; sets PEER_PID
    local peer=$1 server=$2 mnt=$3 logf=$4 i
    mkdir -p "$mnt"
    MOUNTS+=("$mnt")
    if [[ $peer == s3fs ]]; then
        local auth=(-o public_bucket=1)
        if [[ $server == rgw ]]; then
            printf '%s:%s\n' "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" >"$WORK/s3fs.passwd"
            chmod 600 "$WORK/s3fs.passwd"
            auth=(-o "passwd_file=$WORK/s3fs.passwd")
        fi
        s3fs "$BUCKET" "$mnt" -f -o ro -o "url=$(endpoint_of "$server")" -o use_path_request_style \
            "${auth[@]}" </dev/null >"$logf" 2>&1 &
    else
        cat >"$WORK/rclone.conf" <<EOF
[rgw]
type = s3
provider = Ceph
env_auth = false
access_key_id = $RGW_ACCESS_KEY
secret_access_key = $RGW_SECRET_KEY
endpoint = $RGW_ENDPOINT
force_path_style = true

[nginx]
type = s3
provider = Other
env_auth = false
endpoint = $NGINX_ENDPOINT
force_path_style = true
EOF
        env -u AWS_CA_BUNDLE rclone --config "$WORK/rclone.conf" --cache-dir "$WORK/rclone-cache" \
            mount "$server:$BUCKET" "$mnt" --read-only --log-file "$logf" </dev/null >>"$logf" 2>&1 &
    fi
    PEER_PID=$!
    DAEMONS+=("$PEER_PID")
    for ((i = 0; i < 300; i++)); do
        is_mounted "$mnt" && return 0
        kill -0 "$PEER_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

peer_unmount() {  # MNT PID
    unmount "$1"
    stop_pid "$2"
}

peer_cat() {  # PEER SERVER RUN
    check_servers
    local peer=$1 server=$2 run=$3 t mark rc=0
    local mnt=$WORK/mnt/$peer-$server-$run dir=$WORK/runs/$peer.$server.$run
    local workload="big.bin, cat > /dev/null from a fresh read-only mount" tag="$peer.$server"
    mkdir -p "$dir"
    if ! peer_mount "$peer" "$server" "$mnt" "$dir/daemon.log"; then
        failed "$tag" "$peer" "$server" "$workload" "mount failed: $(tail -n 3 "$dir/daemon.log" | tr '\n' ' ')"
        peer_unmount "$mnt" "$PEER_PID"
        return
    fi
    drop_caches
    mark=$(log_mark "$server")
    t=$(now_ns)
    spawn cat "$mnt/big.bin" >/dev/null 2>"$dir/err"
    await $! || rc=$?
    local secs; secs=$(secs_since "$t")
    local logged; logged=$(log_count "$server" "$mark" big.bin)
    local hwm; hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$PEER_PID/status" 2>/dev/null)
    peer_unmount "$mnt" "$PEER_PID"
    ((rc == 0)) || { failed "$tag" "$peer" "$server" "$workload" "cat rc $rc: $(head -c 200 "$dir/err")"; return; }
    local notes="GETs from the server log; RSS = daemon VmHWM"
    row "$tag" "$peer" "$server" "$workload" seq "$secs" "$BIG_SIZE" - "$logged" "${hwm:--}" "$notes"
    log "  $peer $server: ${secs}s, $logged GETs"
}

# ---- the objectfs mount rows (cold and warm cat, ls -lR of a 10,000-object tree)
# shellcheck source=bench/mount_rows.sh
. "$REPO/bench/mount_rows.sh"
((QUICK)) && TREE_DIRS=2 && TREE_FILES=1500
tree_setup

# ---------------------------------------------------------------- measurements
log "measuring: $RUNS cold run(s) per big.bin curl/objectfs row"
for server in "${SERVERS[@]}"; do
    log "server $server"
    for ((run = 1; run <= RUNS; run++)); do
        curl_ranges "$server" big.bin "$BIG_SIZE" 1 "$run"
        curl_ranges "$server" big.bin "$BIG_SIZE" 8 "$run"
        curl_ranges "$server" big.bin "$BIG_SIZE" 16 "$run"
        ofs_big "$server" cp "$run"
        ofs_big "$server" cat "$run"
        ofs_big "$server" catmem "$run"
        mount_cat "$server" "$run"
    done
    if ((!SKIP_PEERS)); then
        peer_cat s3fs "$server" 1
        peer_cat rclone "$server" 1
    fi
    shards_curl "$server" 1
    shards_ofs "$server" par 1
    shards_ofs "$server" seq 1
    random_reads "$server" engine 1
    random_reads "$server" raw 1
done
local_cat 1
python_load_rows
disk_cache_rows
tree_ls objectfs
if ((!SKIP_PEERS)); then
    tree_ls s3fs
    tree_ls rclone
fi

# ---------------------------------------------------------------- the table
mem_gib=$(awk '/^MemTotal:/ {printf "%.1f", $2 / 1048576}' /proc/meminfo)
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null) ]] && rev+=" + uncommitted changes"
TITLE=$WORK/title.md
{
    echo "## ObjectFS end-to-end read benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- machine: $(nproc) CPUs ($cpu), $mem_gib GiB RAM, Linux $(uname -r); objectfs $rev"
    echo "- command: bench/compare.sh$( ((QUICK)) && echo ' --quick')$( ((SKIP_PEERS)) && echo ' --skip-peers') (big.bin curl/objectfs rows and the disk-cache warm and fresh-mount rows: fastest of $RUNS run(s); other rows: one run)"
    echo "- data: big.bin $((BIG_SIZE / MIB)) MiB, $NSHARDS x $((SHARD_SIZE / MIB)) MiB shards, random bytes; RGW: Ceph $(radosgw --version 2>/dev/null | awk '{print $3}') memstore (multipart, $((UPLOAD_PART / MIB)) MiB parts); nginx $(nginx -v 2>&1 | sed 's|.*/||') serving the same files from tmpfs as anonymous S3 (sendfile, etag)"
    echo "- every run cold (page cache dropped before it) except the re-read and local-file rows; MB/s = 10^6 bytes/s; ratio = MB/s over the best parallel-curl MB/s on big.bin, same server (re-reads: over the local-file cat)"
    echo "- mount rows: objectfs mount / s3fs / rclone with default options; ls -lR rows: a $((TREE_DIRS * TREE_FILES))-object tree in $TREE_DIRS directories on RGW, requests counted in RGW's log"
    echo "- GET requests per GiB: the client's own counters (objectfs --stats, random_read), else the server's access log; (log N) where the log disagrees"
    echo "- peak RSS: /usr/bin/time %M of the client process (mounts: the FUSE daemon's VmHWM after the read)"
} >"$TITLE"
mkdir -p "$REPO/bench/results"
TOTAL=$(secs_since "$T0")
$UTIL table "$ROWS" "$REPO/bench/results/latest.md" "$TITLE" || die "table failed"
printf '\nTotal runtime: %.0f s (setup, data generation and upload included)\n' "$TOTAL" |
    tee -a "$REPO/bench/results/latest.md"
