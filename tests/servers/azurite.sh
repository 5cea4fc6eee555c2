#!/usr/bin/env bash
# Start / stop Azurite's Blob service (Microsoft's Azure Storage emulator) for tests.
#
#   tests/servers/azurite.sh start DIR   # data under DIR/data; writes DIR/env and DIR/pid
#   tests/servers/azurite.sh stop  DIR   # kills what start started; fine if already stopped
#
# DIR/env (shell-sourceable): AZURITE_ENDPOINT (http://127.0.0.1:PORT/devstoreaccount1),
# AZURITE_PORT, AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY (the published dev key) and
# AZURE_STORAGE_CONNECTION_STRING (AccountName, AccountKey, BlobEndpoint).
# Azurite comes from npm (scripts/setup.sh installs it under
# ${OBJECTFS_NODE_PREFIX:-$HOME/.cache/objectfs/node}); it binds 127.0.0.1 on a free port.
set -euo pipefail

PREFIX=${OBJECTFS_NODE_PREFIX:-$HOME/.cache/objectfs/node}
AZURITE=$PREFIX/node_modules/.bin/azurite-blob
ACCOUNT=devstoreaccount1
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

die() { echo "azurite.sh: ERROR: $*" >&2; exit 1; }
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

cmd_stop() {
    local pid
    [[ -f $DIR/pid ]] || return 0
    pid=$(cat "$DIR/pid")
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/pid"
}

cmd_start() {
    [[ -x $AZURITE ]] || die "$AZURITE not found: run scripts/setup.sh (npm install azurite)"
    command -v node >/dev/null || die "node not found: apt-get install nodejs"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if [[ -f $DIR/pid ]] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then
        die "Azurite already runs for $DIR; stop it first: $0 stop $DIR"
    fi
    rm -rf "$DIR/data" "$DIR/env"
    mkdir -p "$DIR/data"
    local port pid
    port=${AZURITE_PORT:-$(free_port)}
    "$AZURITE" --blobHost 127.0.0.1 --blobPort "$port" --silent --disableTelemetry \
        --skipApiVersionCheck -l "$DIR/data" </dev/null >"$DIR/azurite.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/pid"
    for _ in $(seq 1 150); do
        kill -0 "$pid" 2>/dev/null || { cat "$DIR/azurite.log" >&2; rm -f "$DIR/pid"; die "Azurite exited during startup"; }
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/$ACCOUNT?comp=list"; then
            local endpoint="http://127.0.0.1:$port/$ACCOUNT"
            cat >"$DIR/env" <<ENV
AZURITE_PORT=$port
AZURITE_ENDPOINT=$endpoint
AZURE_STORAGE_ACCOUNT=$ACCOUNT
AZURE_STORAGE_KEY=$KEY
AZURE_STORAGE_CONNECTION_STRING='DefaultEndpointsProtocol=http;AccountName=$ACCOUNT;AccountKey=$KEY;BlobEndpoint=$endpoint;'
ENV
            echo "azurite.sh: Azurite blob on $endpoint (pid $pid)" >&2
            return 0
        fi
        sleep 0.1
    done
    cmd_stop
    die "Azurite did not answer on port $port within 15 s"
}

[[ $# -eq 2 ]] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
DIR=$2
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) die "unknown command '$1' (start|stop)" ;;
esac
