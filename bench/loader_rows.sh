# Python-loader and disk-cache rows of bench/compare.sh (sourced by it; uses its
# helpers and variables; all against nginx, the fastest server here):
#   model_setup             a safetensors model next to big.bin (before the listing is made)
#   python_load_rows        objectfs.safetensors.load_file from S3, and the same model read
#                           through an s3fs mount, both into CPU torch tensors
#   disk_cache_rows         objectfs warm of the 8 shards; warm reads of big.bin from the
#                           disk cache through the C++ API and through a fresh mount
# shellcheck shell=bash

MODEL_KEY=model.safetensors

model_setup() {
    local size=2G tensors=320
    ((QUICK)) && size=512M && tensors=96
    log "generating a $size safetensors model ($tensors tensors) as $MODEL_KEY"
    $PY "$REPO/bench/python_load.py" generate "$DATA/www/$BUCKET/$MODEL_KEY" --size "$size" \
        --tensors "$tensors" >/dev/null || die "model generation failed"
    MODEL_SIZE=$(stat -c %s "$DATA/www/$BUCKET/$MODEL_KEY")
}

json_field() {  # FILE KEY[.SUBKEY]: one value from the JSON line in FILE
    $PY -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$1" "$2"
}

python_load_rows() {
    check_servers
    local server=nginx dir=$WORK/runs/python rc=0 t secs
    mkdir -p "$dir"
    client_setup "$server"
    local workload="$MODEL_KEY ($((MODEL_SIZE / MIB)) MiB), load_file to CPU torch tensors"
    drop_caches
    env "${OFS_ENV[@]}" PYTHONPATH="$REPO/build/python" OMP_NUM_THREADS=1 \
        $PY "$REPO/bench/python_load.py" s3 "s3://$BUCKET/$MODEL_KEY" --no-sign-request --hash \
        >"$dir/objectfs.json" 2>"$dir/objectfs.err" || rc=$?
    if ((rc != 0)); then
        failed python.objectfs objectfs-python "$server" "$workload" "rc $rc: $(tail -c 200 "$dir/objectfs.err")"
    else
        row python.objectfs objectfs-python "$server" "$workload, straight from S3" seq \
            "$(json_field "$dir/objectfs.json" seconds)" "$(json_field "$dir/objectfs.json" bytes)" \
            "$(json_field "$dir/objectfs.json" requests.get_requests)" - \
            "$(($(json_field "$dir/objectfs.json" peak_rss_mib | cut -d. -f1) * 1024))" \
            "RSS: $(json_field "$dir/objectfs.json" base_rss_mib) MiB after imports, +$(json_field "$dir/objectfs.json" rss_over_model)x model during the load"
        log "  python objectfs: $(cat "$dir/objectfs.json")"
    fi
    ((SKIP_PEERS)) && return
    local mnt=$WORK/mnt/python-s3fs
    if ! peer_mount s3fs "$server" "$mnt" "$dir/s3fs.log"; then
        failed python.s3fs s3fs-python "$server" "$workload" "s3fs mount failed"
        peer_unmount "$mnt" "$PEER_PID"
        return
    fi
    drop_caches
    rc=0
    OMP_NUM_THREADS=1 $PY "$REPO/bench/python_load.py" local "$mnt/$MODEL_KEY" --loader read --hash \
        >"$dir/s3fs.json" 2>"$dir/s3fs.err" || rc=$?
    peer_unmount "$mnt" "$PEER_PID"
    if ((rc != 0)); then
        failed python.s3fs s3fs-python "$server" "$workload" "rc $rc: $(tail -c 200 "$dir/s3fs.err")"
        return
    fi
    local notes="read() of the data region through an s3fs mount"
    [[ -f $dir/objectfs.json && $(json_field "$dir/s3fs.json" sha256) == $(json_field "$dir/objectfs.json" sha256) ]] &&
        notes+="; tensor bytes identical to the objectfs load"
    row python.s3fs s3fs-python "$server" "$workload, through an s3fs mount" seq \
        "$(json_field "$dir/s3fs.json" seconds)" "$(json_field "$dir/s3fs.json" bytes)" - - \
        "$(($(json_field "$dir/s3fs.json" peak_rss_mib | cut -d. -f1) * 1024))" "$notes"
    log "  python s3fs: $(cat "$dir/s3fs.json")"
}

disk_cache_rows() {
    check_servers
    local server=nginx dir=$WORK/runs/disk cache=$WORK/disk-cache rc=0 shards=()
    mkdir -p "$dir"
    client_setup "$server"
    for ((i = 0; i < NSHARDS; i++)); do shards+=("s3://$BUCKET/shard-$i.bin"); done
    # 1. warm of the shards into an empty cache (on this machine's disk, like a node's),
    #    RUNS times (disk_cache.py empties the cache first)
    for ((run = 1; run <= RUNS; run++)); do
        drop_caches
        rc=0
        env "${OFS_ENV[@]}" $PY "$REPO/bench/disk_cache.py" --objectfs "$BIN/objectfs" "${OFS_FLAGS[@]}" \
            --cache-dir "$cache" --cache-size 8G "${shards[@]}" >"$dir/warm.json" 2>"$dir/warm.err" || rc=$?
        if ((rc != 0)); then
            failed disk.warm objectfs "$server" "objectfs warm of $NSHARDS x $((SHARD_SIZE / MIB)) MiB" "rc $rc: $(tail -c 200 "$dir/warm.err")"
            break
        fi
        row disk.warm objectfs "$server" "objectfs warm of $NSHARDS x $((SHARD_SIZE / MIB)) MiB into an empty disk cache" seq \
            "$(json_field "$dir/warm.json" warm_seconds)" "$(json_field "$dir/warm.json" warm_bytes)" \
            "$(json_field "$dir/warm.json" warm_get_requests)" - - "wall time of the process (List/HEAD included)"
    done
    # 2. big.bin warmed, then read back from the cache by the C++ API, against the
    #    same bytes read from a local file (both with the pages in memory).
    local local_copy=$WORK/big-local.bin
    cp "$DATA/www/$BUCKET/big.bin" "$local_copy"
    # Written back and read once: the reference must not race its own writeback.
    sync
    cat "$local_copy" >/dev/null
    rc=0
    env "${OFS_ENV[@]}" $PY "$REPO/bench/disk_cache.py" --objectfs "$BIN/objectfs" "${OFS_FLAGS[@]}" \
        --cache-dir "$cache" --cache-size 8G --reader "$BIN/disk_cache_read" \
        --read "s3://$BUCKET/big.bin" --local "$local_copy" "s3://$BUCKET/big.bin" \
        >"$dir/read.json" 2>"$dir/read.err" || rc=$?
    if ((rc != 0)); then
        failed disk.read objectfs "$server" "big.bin from the disk cache" "rc $rc: $(tail -c 200 "$dir/read.err")"
    else
        local cached local_s
        cached=$(json_field "$dir/read.json" read.cached_read_s)
        local_s=$(json_field "$dir/read.json" read.local_read_s)
        row disk.read.local cpp-api local "big.bin, local file, 16 threads pread into one buffer" ref:api \
            "$local_s" "$BIG_SIZE" - - - "the disk-cache reference"
        row disk.read objectfs-api "$server" "big.bin from the warmed disk cache, File::PRead into one buffer" vs:api \
            "$cached" "$BIG_SIZE" "$(json_field "$dir/read.json" read.get_requests_during_reads)" - - \
            "no GET: every byte from the disk cache"
    fi
    # 3. A fresh mount over the warmed cache, page cache dropped; the reference is
    #    `cat` of the local copy on the same disk, also cold. RUNS rounds of both,
    #    one after the other: this VM's disk reads vary a lot from run to run.
    local mnt=$WORK/mnt/objectfs-disk t secs
    for ((run = 1; run <= RUNS; run++)); do
        drop_caches
        t=$(now_ns)
        cat "$local_copy" >/dev/null
        row disk.localcold cat local "big.bin, local file on the cache's disk, cold, cat > /dev/null" ref:diskcold \
            "$(secs_since "$t")" "$BIG_SIZE" - - - "page cache dropped first"
        if ! ofs_mount_start "$server" "$BUCKET" "$mnt" "$dir/mount.$run.log" --cache-dir "$cache"; then
            failed disk.mount objectfs "$server" "big.bin through a fresh mount over the disk cache" \
                "mount failed: $(tail -n 3 "$dir/mount.$run.log" | tr '\n' ' ')"
            ofs_mount_stop "$mnt" "$OFS_MOUNT_PID"
            break
        fi
        drop_caches
        rc=0
        t=$(now_ns)
        cat "$mnt/big.bin" >/dev/null || rc=$?
        secs=$(secs_since "$t")
        ofs_mount_stop "$mnt" "$OFS_MOUNT_PID"
        if ((rc != 0)); then
            failed disk.mount objectfs "$server" "big.bin through a fresh mount over the disk cache" "cat rc $rc"
            break
        fi
        row disk.mount objectfs "$server" "big.bin, cat through a fresh mount over the warmed disk cache, cold page cache" vs:diskcold \
            "$secs" "$BIG_SIZE" "$($UTIL stats "$dir/mount.$run.log" get_requests)" - - \
            "no GET: every byte from the disk cache"
    done
    rm -f "$local_copy"
    rm -rf "$cache"
}
