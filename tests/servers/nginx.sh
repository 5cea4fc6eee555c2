#!/usr/bin/env bash
# Start / stop nginx serving a folder over plain HTTP, for the HTTP(S) store's tests.
#
#   tests/servers/nginx.sh start DIR   # serves DIR/www; writes DIR/env and DIR/nginx.pid
#   tests/servers/nginx.sh stop  DIR   # fine if already stopped
#
# DIR/env (shell-sourceable): NGINX_PORT, NGINX_ROOT (DIR/www), NGINX_URL
# (http://127.0.0.1:PORT). Ranges, ETags (etag on) and If-Match are nginx's own;
# needs the Debian package nginx-light (or nginx). Runs as the calling user.
# NGINX_NO_IF_MATCH_URL serves the same files through a proxy that drops
# If-Match, as some S3-compatible servers and caches do.
set -euo pipefail

die() { echo "nginx.sh: ERROR: $*" >&2; exit 1; }
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cmd_stop() {
    local pid
    [[ -f $DIR/nginx.pid ]] || return 0
    pid=$(cat "$DIR/nginx.pid")
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        kill -QUIT "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$DIR/nginx.pid"
}

cmd_start() {
    [[ -x $NGINX ]] || die "nginx not found: apt-get install nginx-light"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd -P)
    if [[ -f $DIR/nginx.pid ]] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
        die "nginx already runs for $DIR; stop it first: $0 stop $DIR"
    fi
    mkdir -p "$DIR/www" "$DIR/tmp" "$DIR/log"
    local port proxy_port user_directive=""
    port=${NGINX_PORT:-$(free_port)}
    proxy_port=$(free_port)
    [[ $(id -u) -eq 0 ]] && user_directive="user root;"
    cat >"$DIR/nginx.conf" <<CONF
$user_directive
daemon on;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/log/error.log warn;
events { worker_connections 256; }
http {
    access_log $DIR/log/access.log;
    client_body_temp_path $DIR/tmp/body;
    proxy_temp_path $DIR/tmp/proxy;
    fastcgi_temp_path $DIR/tmp/fastcgi;
    uwsgi_temp_path $DIR/tmp/uwsgi;
    scgi_temp_path $DIR/tmp/scgi;
    types { }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$port;
        root $DIR/www;
        etag on;
        autoindex off;
    }
    server {
        listen 127.0.0.1:$proxy_port;
        location / {
            proxy_pass http://127.0.0.1:$port;
            proxy_set_header If-Match "";
            proxy_http_version 1.1;
            proxy_buffering off;
        }
    }
}
CONF
    "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/log/error.log" 2>"$DIR/log/start.err" ||
        { cat "$DIR/log/start.err" >&2; die "nginx failed to start"; }
    for _ in $(seq 1 50); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
            cat >"$DIR/env" <<ENV
NGINX_PORT=$port
NGINX_ROOT=$DIR/www
NGINX_URL=http://127.0.0.1:$port
NGINX_NO_IF_MATCH_URL=http://127.0.0.1:$proxy_port
ENV
            echo "nginx.sh: serving $DIR/www on http://127.0.0.1:$port" >&2
            return 0
        fi
        sleep 0.1
    done
    cmd_stop
    die "nginx did not answer on port $port"
}

[[ $# -eq 2 ]] || { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
DIR=$2
case $1 in
    start) cmd_start ;;
    stop) cmd_stop ;;
    *) die "unknown command '$1' (start|stop)" ;;
esac
