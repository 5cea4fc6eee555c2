#!/usr/bin/env bash
# Start / stop a throw-away single-node Ceph RADOS Gateway (S3 server) for tests.
#
#   tests/servers/rgw.sh start DIR   # everything lives under DIR; writes DIR/env and DIR/pids
#   tests/servers/rgw.sh stop  DIR   # kills what start started; fine if already stopped
#   tests/servers/rgw.sh status DIR  # exit 0 if the daemons of DIR are running
#
# DIR/env (shell-sourceable): RGW_ENDPOINT RGW_PORT RGW_ACCESS_KEY RGW_SECRET_KEY RGW_DIR
# (+ RGW_MON_PORT RGW_CEPH_CONF). User "test", path-style and virtual-host style
# (BUCKET.s3.localhost:PORT), region us-east-1, SigV4 checked.
#
# Environment: RGW_MEMSTORE_BYTES (RAM for the OSD, default 4 GiB), RGW_START_TIMEOUT
# (s, default 90), RGW_PORT / RGW_MON_PORT (force ports), RGW_DEBUG (debug rgw level,
# default 1 = one access-log line per request; 0 = errors only).
#
# No systemd, no Docker, nothing under /etc/ceph or /var/lib/ceph: one ceph-mon (msgr v2
# on a free port), one ceph-osd (memstore: data in RAM), one radosgw (beast on
# 127.0.0.1:PORT). Needs the Debian packages radosgw ceph-mon ceph-osd; uses curl if
# present, else python3 (a ceph-common dependency).
set -euo pipefail
# Keep Ceph's tools away from the machine's own configuration (/etc/ceph, keyrings).
unset CEPH_ARGS CEPH_CONF CEPH_KEYRING

ACCESS_KEY=OBJECTFSTESTKEY000001
SECRET_KEY=objectfs-test-secret-0000000000000000000
MEMSTORE_BYTES=${RGW_MEMSTORE_BYTES:-4294967296}
START_TIMEOUT=${RGW_START_TIMEOUT:-90}

now_ms() { date +%s%3N; }
ms_to_s() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
T0_MS=$(now_ms)
log() { printf 'rgw.sh [+%ss]: %s\n' "$(ms_to_s $(($(now_ms) - T0_MS)))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() {
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# A TCP port on 127.0.0.1 that nobody listens on right now.
free_port() {
    local py
    for py in /usr/bin/python3 python3; do
        if command -v "$py" >/dev/null 2>&1; then
            "$py" - <<'EOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
            return
        fi
    done
    # Fallback without python: probe random ports with bash's /dev/tcp.
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "could not find a free port"
}

new_uuid() {
    if command -v uuidgen >/dev/null 2>&1; then uuidgen; else cat /proc/sys/kernel/random/uuid; fi
}

# Print the body of GET URL, a newline, and the HTTP status (000 when nothing answered).
http_probe() {
    if command -v curl >/dev/null 2>&1; then
        curl -s --max-time 2 -w '\n%{http_code}' "$1" || true
    else
        /usr/bin/python3 - "$1" <<'EOF' || true
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        print(r.read().decode("utf-8", "replace")); print(r.status, end="")
except urllib.error.HTTPError as e:
    print(e.read().decode("utf-8", "replace")); print(e.code, end="")
except Exception:
    print(); print("000", end="")
EOF
    fi
}

# Is PID alive (not a zombie) and one of ours (its command line mentions DIR/)?
# Bash builtins only: this runs in tight polling loops.
pid_is_ours() {
    local pid=$1 dir=$2 stat args
    [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
    read -r stat </proc/"$pid"/stat 2>/dev/null || return 1
    stat=${stat##*) }            # drop "pid (comm) "; first field is now the state
    [[ ${stat%% *} != Z ]] || return 1
    mapfile -d '' args </proc/"$pid"/cmdline 2>/dev/null || return 1
    [[ " ${args[*]} " == *"$dir/"* ]]
}

# A dead daemon of ours that its parent (init, once start exited) has not reaped yet.
pid_is_zombie_daemon() {
    local pid=$1 stat comm
    [[ $pid =~ ^[0-9]+$ && -d /proc/$pid ]] || return 1
    read -r stat </proc/"$pid"/stat 2>/dev/null || return 1
    comm=${stat#*(}; comm=${comm%%)*}
    stat=${stat##*) }
    [[ ${stat%% *} == Z && $comm =~ ^(ceph-mon|ceph-osd|radosgw) ]]
}

# PIDs recorded in DIR/pids plus the daemons' own pid files.
collect_pids() {
    local dir=$1 f
    {
        [[ -f $dir/pids ]] && awk '{print $2}' "$dir/pids"
        for f in "$dir"/run/*.pid; do
            [[ -f $f ]] && cat "$f"
        done
    } 2>/dev/null | grep -E '^[0-9]+$' | sort -un || true
}

running_pids() {
    local dir=$1 pid
    for pid in $(collect_pids "$dir"); do
        if pid_is_ours "$pid" "$dir"; then echo "$pid"; fi
    done
}

# Stop order: reverse start order (radosgw, osd, mon), so each daemon can still talk to
# the mon while it shuts down. Overall: TERM, up to 10 s, then KILL whatever is left.
stop_dir() {
    local dir=$1 pid pids ordered="" deadline i t
    pids=$(running_pids "$dir")
    if [[ -z $pids ]]; then
        rm -f "$dir/pids"
        return 0
    fi
    if [[ -f $dir/pids ]]; then
        ordered=$(awk '{print $2}' "$dir/pids" | tac)
    fi
    deadline=$(($(now_ms) + 10000))
    for pid in $ordered $pids; do
        pid_is_ours "$pid" "$dir" || continue
        kill -TERM "$pid" 2>/dev/null || true
        t=$(now_ms)
        while pid_is_ours "$pid" "$dir" && (($(now_ms) < deadline)); do sleep 0.05; done
        if [[ -n ${RGW_TRACE_STOP:-} ]]; then log "pid $pid stopped in $(($(now_ms) - t)) ms"; fi
    done
    pids=$(running_pids "$dir")
    if [[ -n $pids ]]; then
        log "still alive after 10 s, sending KILL to: ${pids//$'\n'/ }"
        for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
        for ((i = 0; i < 50; i++)); do
            pids=$(running_pids "$dir")
            [[ -z $pids ]] && break
            sleep 0.1
        done
        [[ -z $pids ]] || die "could not kill: $pids"
    fi
    # Dead daemons whose parent (init) has not reaped them yet still show up in
    # `pgrep`; give the reaper a moment so callers checking right after see nothing.
    for ((i = 0; i < 30; i++)); do
        pids=""
        for pid in $(collect_pids "$dir"); do
            if pid_is_zombie_daemon "$pid"; then pids+=" $pid"; fi
        done
        [[ -z $pids ]] && break
        sleep 0.1
    done
    rm -f "$dir/pids"
}

dump_logs() {
    local dir=$1 f
    for f in "$dir"/log/*.out "$dir"/log/mon.*.log "$dir"/log/osd.*.log "$dir"/log/client.rgw.*.log; do
        [[ -f $f && -s $f ]] || continue
        case $f in */monmaptool.out | */user-create.out) continue ;; esac
        printf '\n===== tail -n 25 %s =====\n' "$f" >&2
        tail -n 25 "$f" | cut -c1-400 >&2 || true
    done
    printf '\n(all logs: %s/log)\n' "$dir" >&2
}

# Serialize start/stop on one DIR (a stop waits for a start in progress, so it never
# misses daemons that start is about to launch). fd 9 is closed for the daemons.
lock_dir() {
    command -v flock >/dev/null 2>&1 || return 0
    exec 9>"$DIR/.rgw.sh.lock"
    flock -w 120 9 || die "another rgw.sh is still busy with $DIR"
}

# start_daemon NAME CMD...: run in the background, record "NAME PID" in DIR/pids.
start_daemon() {
    local name=$1; shift
    "$@" </dev/null >>"$DIR/log/$name.out" 2>&1 9>&- &
    local pid=$!
    echo "$name $pid" >>"$DIR/pids"
    log "started $name (pid $pid)"
}

require_alive() {
    local name=$1 pid
    pid=$(awk -v n="$name" '$1 == n {print $2}' "$DIR/pids")
    pid_is_ours "$pid" "$DIR" || die "$name (pid $pid) died during startup"
}

ceph_cli() {
    timeout 60 ceph -c "$DIR/ceph.conf" --connect-timeout 30 "$@"
}

on_start_exit() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        log "startup failed (rc=$rc), stopping what was started"
        dump_logs "$DIR"
        stop_dir "$DIR" || true
    fi
}

# A radosgw that died still "watches" its control objects until the OSD times the
# watch out (30 s); every metadata change (bucket create...) would wait for it.
# Blocklisting the dead client's address drops its watches at once. Only called
# while no radosgw of ours runs, so every watcher found is a dead one.
evict_dead_watchers() {
    local addrs
    addrs=$(for i in 0 1 2 3 4 5 6 7; do
        timeout 20 rados -c "$DIR/ceph.conf" -p default.rgw.control listwatchers "notify.$i" 2>/dev/null || true
    done | sed -n 's/^watcher=\([^ ]*\) .*/\1/p' | sort -u)
    for a in $addrs; do
        log "blocklisting dead radosgw client $a"
        ceph_cli osd blocklist add "$a" >>"$DIR/log/ceph-cli.out" 2>&1 || true
    done
}

cmd_start() {
    local t0 mon_port rgw_port fsid osd_uuid osd_id http_code deadline
    t0=$T0_MS
    [[ $MEMSTORE_BYTES =~ ^[0-9]+$ ]] || die "RGW_MEMSTORE_BYTES must be a number of bytes, got: $MEMSTORE_BYTES"
    [[ $START_TIMEOUT =~ ^[0-9]+$ ]] || die "RGW_START_TIMEOUT must be a number of seconds, got: $START_TIMEOUT"
    for b in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool timeout; do
        command -v "$b" >/dev/null 2>&1 || die "missing program: $b (apt-get install radosgw ceph-mon ceph-osd)"
    done

    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    lock_dir

    if [[ -n $(running_pids "$DIR") ]]; then
        die "a server is already running in $DIR (pids: $(running_pids "$DIR" | tr '\n' ' ')); stop it first: $0 stop $DIR"
    fi
    # Leftovers of an earlier (stopped or crashed) run: remove only what we create.
    rm -rf "$DIR/mon" "$DIR/osd" "$DIR/run" "$DIR/log" "$DIR/rgw" "$DIR/crash" \
        "$DIR/ceph.conf" "$DIR/monmap" "$DIR/env" "$DIR/pids"
    mkdir -p "$DIR/mon" "$DIR/osd" "$DIR/run" "$DIR/log" "$DIR/rgw" "$DIR/crash"
    : >"$DIR/pids"

    # From here on, any failure stops what was started.
    trap on_start_exit EXIT
    trap 'exit 130' INT TERM

    mon_port=${RGW_MON_PORT:-$(free_port)}
    rgw_port=${RGW_PORT:-$(free_port)}
    while [[ $rgw_port == "$mon_port" ]]; do rgw_port=$(free_port); done
    fsid=$(new_uuid)
    osd_uuid=$(new_uuid)
    local dbg_rgw=${RGW_DEBUG:-1}

    cat >"$DIR/ceph.conf" <<EOF
# Generated by tests/servers/rgw.sh -- throw-away single-node test cluster.
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv4 = true
ms bind ipv6 = false

auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
keyring = $DIR/keyring
ms mon client mode = crc
ms client mode = crc
ms mon cluster mode = crc
ms mon service mode = crc
ms cluster mode = crc
ms service mode = crc

run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
mon cluster log file = $DIR/log/cluster.log
crash dir = $DIR/crash
log to stderr = false
err to stderr = false
log to syslog = false
log max recent = 200
debug ms = 0
debug auth = 0
debug monc = 0
debug mon = 0
debug paxos = 0
debug osd = 0
debug filestore = 0
debug objecter = 0
debug rados = 0
debug rgw = $dbg_rgw

osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# Commit cluster map changes quickly (defaults wait ~1 s per change; radosgw makes
# a dozen of them while it creates its pools).
paxos propose interval = 0.05
paxos min wait = 0.01
mon data avail warn = 2
mon data avail crit = 1
mon osd full ratio = 0.97
mon osd backfillfull ratio = 0.96
mon osd nearfull ratio = 0.95
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false

[mon]
mon data = $DIR/mon/\$cluster-\$id
mon initial members = a

[osd]
osd data = $DIR/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
osd crush update on start = true
osd mon shutdown timeout = 1

[client]
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = s3.localhost
rgw enable usage log = false
rgw enable ops log = false
rgw thread pool size = 64
rgw max put size = 5368709120
rgw crypt require ssl = false
# Overwritten and deleted objects (uploads, the benchmarks) free their RAM
# within seconds instead of after RGW's default two hours.
rgw gc obj min wait = 1
rgw gc processor period = 5
rgw gc processor max time = 5
EOF

    # --- mon ---
    monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" \
        --enable-all-features --set-min-mon-release pacific "$DIR/monmap" >"$DIR/log/monmaptool.out" 2>&1 \
        || { cat "$DIR/log/monmaptool.out" >&2; die "monmaptool failed"; }
    ceph-mon -c "$DIR/ceph.conf" --mkfs -i a --monmap "$DIR/monmap" >"$DIR/log/mon-mkfs.out" 2>&1 \
        || { cat "$DIR/log/mon-mkfs.out" >&2; die "ceph-mon --mkfs failed"; }
    start_daemon mon.a ceph-mon -c "$DIR/ceph.conf" -f -i a

    # --- osd ---
    osd_id=$(ceph_cli osd new "$osd_uuid" 2>>"$DIR/log/ceph-cli.out") || die "ceph osd new failed (mon not answering?)"
    [[ $osd_id =~ ^[0-9]+$ ]] || die "unexpected osd id: $osd_id"
    mkdir -p "$DIR/osd/ceph-$osd_id"
    ceph-osd -c "$DIR/ceph.conf" -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" >"$DIR/log/osd-mkfs.out" 2>&1 \
        || { cat "$DIR/log/osd-mkfs.out" >&2; die "ceph-osd --mkfs failed"; }
    start_daemon "osd.$osd_id" ceph-osd -c "$DIR/ceph.conf" -f -i "$osd_id"

    # The user is created before radosgw starts: radosgw-admin then also creates the
    # zone and pools, and no radosgw watches the control objects yet (a dead radosgw
    # from a port retry would stall every metadata change until its watch times out).
    log "osd started; creating pools and user test"
    timeout 60 radosgw-admin -c "$DIR/ceph.conf" -n client.admin user create --uid=test --display-name=test \
        --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$DIR/log/user-create.out" 2>&1 \
        || { cat "$DIR/log/user-create.out" >&2; die "radosgw-admin user create failed"; }

    # --- rgw ---
    # The port was free when picked but radosgw binds it only after its pools exist
    # (seconds later); if someone took it meanwhile, pick another one and retry.
    local attempt=1 body
    while :; do
        log "starting radosgw on 127.0.0.1:$rgw_port"
        start_daemon client.rgw.a radosgw -c "$DIR/ceph.conf" -f -n client.rgw.a
        deadline=$(($(date +%s) + START_TIMEOUT))
        http_code=""
        while :; do
            body=$(http_probe "http://127.0.0.1:$rgw_port/")
            http_code=${body##*$'\n'}
            # Make sure it is our radosgw answering, not whoever else got the port.
            if [[ $http_code =~ ^[1-5][0-9][0-9]$ && $body == *ListAllMyBucketsResult* ]]; then
                require_alive client.rgw.a
                log "radosgw answers (HTTP $http_code)"
                break 2
            fi
            require_alive mon.a
            require_alive "osd.$osd_id"
            pid_is_ours "$(awk '$1 == "client.rgw.a" {print $2}' "$DIR/pids")" "$DIR" || break
            (($(date +%s) < deadline)) || die "radosgw did not answer on 127.0.0.1:$rgw_port within ${START_TIMEOUT}s"
            sleep 0.2
        done
        # radosgw died.
        if [[ -z ${RGW_PORT:-} && $attempt -lt 5 ]] &&
            grep -q "failed to bind address 127.0.0.1:$rgw_port" "$DIR/log/client.rgw.a.log" 2>/dev/null; then
            log "port $rgw_port was taken meanwhile; retrying with another port"
            attempt=$((attempt + 1))
            rgw_port=$(free_port)
            sed -i "s|^rgw frontends = .*|rgw frontends = beast endpoint=127.0.0.1:$rgw_port|" "$DIR/ceph.conf"
            sed -i '/^client\.rgw\.a /d' "$DIR/pids"
            evict_dead_watchers
            continue
        fi
        die "radosgw (client.rgw.a) died during startup"
    done

    cat >"$DIR/env.tmp" <<EOF
RGW_ENDPOINT=http://127.0.0.1:$rgw_port
RGW_PORT=$rgw_port
RGW_ACCESS_KEY=$ACCESS_KEY
RGW_SECRET_KEY=$SECRET_KEY
RGW_DIR=$DIR
RGW_MON_PORT=$mon_port
RGW_CEPH_CONF=$DIR/ceph.conf
EOF
    mv "$DIR/env.tmp" "$DIR/env"
    trap - EXIT INT TERM
    log "RGW ready at http://127.0.0.1:$rgw_port (mon 127.0.0.1:$mon_port), startup took $(ms_to_s $(($(now_ms) - t0))) s"
    log "env: $DIR/env   stop with: $0 stop $DIR"
}

cmd_stop() {
    if [[ ! -d $DIR ]]; then
        log "$DIR does not exist; nothing to stop"
        return 0
    fi
    DIR=$(cd "$DIR" && pwd -P)
    lock_dir
    stop_dir "$DIR"
    log "stopped (dir $DIR)"
}

cmd_status() {
    [[ -d $DIR ]] || { echo "not running"; return 1; }
    DIR=$(cd "$DIR" && pwd -P)
    local pids
    pids=$(running_pids "$DIR")
    if [[ -n $pids ]]; then
        echo "running: ${pids//$'\n'/ }"
        return 0
    fi
    echo "not running"
    return 1
}

[[ $# -eq 2 ]] || usage
DIR=$2
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) usage ;;
esac
