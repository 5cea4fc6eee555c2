#!/usr/bin/env bash
# The firebase-tools Cloud Storage emulator (GCS JSON API) on 127.0.0.1, for tests.
#   gcs.sh start DIR   -> DIR/env: STORAGE_EMULATOR_HOST, GCS_EMULATOR_PORT, GCS_DIR
#   gcs.sh stop DIR    -> stops it and everything it started (always safe)
# Blobs live under DIR/tmp (the emulator's TMPDIR). Node modules come from
# $OBJECTFS_NODE_PREFIX (default ~/.cache/objectfs/node; scripts/setup.sh installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: gcs.sh start|stop DIR"
verb="${1:?$usage}"
dir="${2:?$usage}"
prefix="${OBJECTFS_NODE_PREFIX:-$HOME/.cache/objectfs/node}"

stop() {
  [ -f "$dir/pid" ] || return 0
  local pid
  pid="$(cat "$dir/pid")"
  # The emulator runs as the leader of its own process group: signal the group.
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid"
}

case "$verb" in
  start)
    if [ ! -d "$prefix/node_modules/firebase-tools/lib" ]; then
      echo "gcs.sh: firebase-tools not found under $prefix (run scripts/setup.sh)" >&2
      exit 1
    fi
    stop
    mkdir -p "$dir"
    rm -rf "$dir/tmp" && mkdir -p "$dir/tmp"
    port="$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    OBJECTFS_NODE_PREFIX="$prefix" TMPDIR="$dir/tmp" \
      setsid node "$here/gcs_emulator.js" "$port" >"$dir/log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    for _ in $(seq 300); do
      if curl -fs -o /dev/null "http://127.0.0.1:$port/b"; then
        {
          echo "STORAGE_EMULATOR_HOST=http://127.0.0.1:$port"
          echo "GCS_EMULATOR_PORT=$port"
          echo "GCS_DIR=$dir"
        } >"$dir/env"
        echo "gcs emulator on http://127.0.0.1:$port"
        exit 0
      fi
      if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then break; fi
      sleep 0.1
    done
    echo "gcs.sh: the emulator did not start; log:" >&2
    tail -n 30 "$dir/log" >&2 || true
    stop
    exit 1
    ;;
  stop)
    stop
    ;;
  *)
    echo "$usage" >&2
    exit 2
    ;;
esac
