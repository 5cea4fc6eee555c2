# Mount rows of bench/compare.sh (sourced by it; uses its helpers and variables):
#   mount_cat SERVER RUN   objectfs mount: cold cat of big.bin, then a warm re-read
#   local_cat RUN          cat of the same bytes from a local file in the page cache
#   tree_setup             TREE_DIRS x TREE_FILES small objects in bucket $TREE_BUCKET (RGW)
#   tree_ls CLIENT         ls -lR of that tree from a fresh objectfs / s3fs / rclone mount
# shellcheck shell=bash

TREE_BUCKET=benchtree
TREE_DIRS=5
TREE_FILES=2000  # per directory: each directory listing takes two List pages

# ofs_mount_start SERVER BUCKET MNT LOGFILE [OPTION...]: a foreground objectfs mount in the
# background, with extra objectfs options (e.g. --cache-dir DIR); sets OFS_MOUNT_PID.
# Returns non-zero when the mount never appears.
ofs_mount_start() {
    local server=$1 bucket=$2 mnt=$3 logf=$4 i
    client_setup "$server"
    mkdir -p "$mnt"
    MOUNTS+=("$mnt")
    env "${OFS_ENV[@]}" "$BIN/objectfs" "${OFS_FLAGS[@]}" --stats "${@:5}" mount "s3://$bucket" "$mnt" \
        --foreground --log-file "$logf" </dev/null >>"$logf" 2>&1 &
    OFS_MOUNT_PID=$!
    DAEMONS+=("$OFS_MOUNT_PID")
    for ((i = 0; i < 300; i++)); do
        is_mounted "$mnt" && return 0
        kill -0 "$OFS_MOUNT_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# ofs_mount_stop MNT PID: unmount, then let the daemon print its stats line and exit.
ofs_mount_stop() {
    local i
    unmount "$1"
    for ((i = 0; i < 100; i++)); do kill -0 "$2" 2>/dev/null || return 0; sleep 0.1; done
    stop_pid "$2"
}

mount_cat() {  # SERVER RUN
    check_servers
    local server=$1 run=$2 t mark rc=0
    local mnt=$WORK/mnt/objectfs-$server-$run dir=$WORK/runs/ofs-mount.$server.$run
    local workload="big.bin, cat > /dev/null from a fresh mount" tag="ofs-mount.$server"
    mkdir -p "$dir"
    if ! ofs_mount_start "$server" "$BUCKET" "$mnt" "$dir/daemon.log"; then
        failed "$tag" objectfs "$server" "$workload" "mount failed: $(tail -n 3 "$dir/daemon.log" | tr '\n' ' ')"
        ofs_mount_stop "$mnt" "$OFS_MOUNT_PID"
        return
    fi
    drop_caches
    mark=$(log_mark "$server")
    t=$(now_ns)
    spawn cat "$mnt/big.bin" >/dev/null 2>"$dir/err"
    await $! || rc=$?
    local secs; secs=$(secs_since "$t")
    local logged; logged=$(log_count "$server" "$mark" big.bin)
    # The same file again: FOPEN_KEEP_CACHE keeps the kernel's pages across opens.
    local warm_rc=0 warm_t warm_secs sha
    warm_t=$(now_ns)
    spawn cat "$mnt/big.bin" >/dev/null 2>>"$dir/err"
    await $! || warm_rc=$?
    warm_secs=$(secs_since "$warm_t")
    sha=$(sha256sum "$mnt/big.bin" | cut -d' ' -f1)
    local hwm; hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$OFS_MOUNT_PID/status" 2>/dev/null)
    ofs_mount_stop "$mnt" "$OFS_MOUNT_PID"
    ((rc == 0)) || { failed "$tag" objectfs "$server" "$workload" "cat rc $rc: $(head -c 200 "$dir/err")"; return; }
    [[ $sha == "${SHA[big.bin]}" ]] || { failed "$tag" objectfs "$server" "$workload" "sha256 mismatch through the mount"; return; }
    local gets; gets=$($UTIL stats "$dir/daemon.log" get_requests)
    row "$tag" objectfs "$server" "$workload" seq "$secs" "$BIG_SIZE" "$gets" "$logged" "${hwm:--}" \
        "sha256 verified; RSS = daemon VmHWM"
    ((warm_rc == 0)) || { failed "$tag-warm" objectfs "$server" "big.bin, re-read through the same mount" "cat rc $warm_rc"; return; }
    row "$tag-warm" objectfs "$server" "big.bin, re-read through the same mount (page cache)" vs:pagecache \
        "$warm_secs" "$BIG_SIZE" - - - "no requests: the kernel keeps the pages"
    log "  objectfs mount $server: cold ${secs}s ($gets GETs), warm ${warm_secs}s"
}

local_cat() {  # RUN
    local run=$1 f=$DATA/www/$BUCKET/big.bin t rc=0
    cat "$f" >/dev/null  # into the page cache (a no-op for tmpfs)
    t=$(now_ns)
    spawn cat "$f" >/dev/null
    await $! || rc=$?
    local secs; secs=$(secs_since "$t")
    ((rc == 0)) || { failed local-cat cat local "big.bin, local file" "cat rc $rc"; return; }
    row local-cat cat local "big.bin, local file in the page cache, cat > /dev/null" ref:pagecache \
        "$secs" "$BIG_SIZE" - - - ""
    log "  local cat: ${secs}s"
}

tree_setup() {
    log "uploading $((TREE_DIRS * TREE_FILES)) small objects to RGW bucket $TREE_BUCKET"
    local n
    n=$($UTIL put-tree "$WORK/rgw/env" "$TREE_BUCKET" tree/ "$TREE_DIRS" "$TREE_FILES" 32) ||
        die "put-tree failed"
    [[ $n == $((TREE_DIRS * TREE_FILES)) ]] || die "put-tree uploaded $n objects"
}

# Requests of one kind in RGW's log since MARK: lists of the tree bucket, or HEADs in it.
tree_requests() {  # MARK list|head
    local re="\"GET /$TREE_BUCKET/?\\?"
    [[ $2 == head ]] && re="\"HEAD /$TREE_BUCKET/"
    sleep 0.5  # radosgw writes its log from a background thread
    tail -n "+$(($1 + 1))" "$RGW_LOG" 2>/dev/null | grep -E -c "$re" || true
}

tree_ls() {  # CLIENT(objectfs|s3fs|rclone)
    check_servers
    local client=$1 t mark rc=0 pid
    local mnt=$WORK/mnt/tree-$client dir=$WORK/runs/tree-$client
    local workload="ls -lR of $((TREE_DIRS * TREE_FILES)) objects ($TREE_DIRS dirs), fresh mount"
    local tag="tree-ls.$client"
    mkdir -p "$dir"
    local mounted=0
    if [[ $client == objectfs ]]; then
        ofs_mount_start rgw "$TREE_BUCKET" "$mnt" "$dir/daemon.log" && mounted=1
        pid=$OFS_MOUNT_PID
    else
        local bench_bucket=$BUCKET
        BUCKET=$TREE_BUCKET
        peer_mount "$client" rgw "$mnt" "$dir/daemon.log" && mounted=1
        BUCKET=$bench_bucket
        pid=$PEER_PID
    fi
    if ((!mounted)); then
        failed "$tag" "$client" rgw "$workload" "mount failed: $(tail -n 3 "$dir/daemon.log" | tr '\n' ' ')"
        ofs_mount_stop "$mnt" "$pid"
        return
    fi
    mark=$(wc -l <"$RGW_LOG")
    t=$(now_ns)
    spawn ls -lR "$mnt" >"$dir/ls.out" 2>"$dir/err"
    await $! || rc=$?
    local secs; secs=$(secs_since "$t")
    local lists heads files
    lists=$(tree_requests "$mark" list)
    heads=$(tree_requests "$mark" head)
    files=$(grep -c '^-' "$dir/ls.out" || true)
    ofs_mount_stop "$mnt" "$pid"
    ((rc == 0)) || { failed "$tag" "$client" rgw "$workload" "ls rc $rc: $(head -c 200 "$dir/err")"; return; }
    ((files == TREE_DIRS * TREE_FILES)) || { failed "$tag" "$client" rgw "$workload" "ls -lR showed $files files"; return; }
    row "$tag" "$client" rgw "$workload" meta "$secs" 0 - - - \
        "$lists List, $heads HEAD requests (server log)"
    log "  $client ls -lR: ${secs}s, $lists lists, $heads heads"
}
