# nginx as "anonymous S3" (path style) for the benchmarks; sourced by compare.sh
# and mount_alone.sh.
#
#   nginx_s3_conf DIR ROOT PORT BUCKET ACCESS_LOG
#
# Writes DIR/nginx.conf: nginx on 127.0.0.1:PORT serving ROOT/BUCKET/KEY, with pid,
# error log and temp files under DIR. ListObjects (v1 and v2 alike) answers the
# static page DIR/list/BUCKET.xml (bench_util.py list-xml writes it). ACCESS_LOG is
# a file (logged with the request, status, bytes and Range) or "off".
# shellcheck shell=bash

nginx_s3_conf() {
    local dir=$1 root=$2 port=$3 bucket=$4 access_log=$5 t temp_paths="" log_line
    mkdir -p "$dir/tmp" "$dir/list"
    # Only the temp paths this nginx build knows (nginx-light lacks some modules).
    for t in client_body proxy fastcgi uwsgi scgi; do
        nginx -V 2>&1 | grep -q -- "--http-${t//_body/-body}-temp-path" &&
            temp_paths+="    ${t}_temp_path $dir/tmp/$t;"$'\n'
    done
    if [[ $access_log == off ]]; then
        log_line="access_log off;"
    else
        log_line="access_log $access_log bench;"
    fi
    cat >"$dir/nginx.conf" <<CONF
# The benchmark bucket as "anonymous S3", path style (bench/nginx_s3.sh).
daemon off;
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    log_format bench '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent "\$http_range" "\$http_user_agent" \$request_time';
    $log_line
$temp_paths
    sendfile on;
    # No tcp_nopush: with it, nginx holds the tail of some mid-size ranged responses
    # (e.g. 64 KiB at an unaligned offset) for a 40 ms delayed ACK: 25 reads/s.
    etag on;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    types { application/octet-stream bin; application/xml xml; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        root $root;
        # ListObjects (v1 and v2 alike, the query string is ignored): one static page.
        location = /$bucket { rewrite ^ /.list/$bucket.xml last; }
        location = /$bucket/ { rewrite ^ /.list/$bucket.xml last; }
        location /.list/ { internal; alias $dir/list/; default_type application/xml; }
        location / { }
    }
}
CONF
}
