#!/usr/bin/env bash
# ctest fixture: start a fresh Ceph RGW with the standard fixtures (uploaded by
# boto3), or stop it. Used as FIXTURES_SETUP / FIXTURES_CLEANUP so the server is
# stopped even when tests fail.
#   rgw_fixture.sh start DIR    -> DIR/test.env for the tests
#   rgw_fixture.sh stop DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
verb="${1:?usage: rgw_fixture.sh start|stop DIR}"
dir="${2:?usage: rgw_fixture.sh start|stop DIR}"

case "$verb" in
  start)
    # A run that was killed may have left a server behind.
    if [ -e "$dir/pids" ]; then "$here/rgw.sh" stop "$dir" || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    "$here/rgw.sh" start "$dir"
    if ! /usr/bin/python3 "$here/s3_fixtures.py" "$dir/env" make-standard-fixtures objectfs-test "$dir/fixtures"; then
      "$here/rgw.sh" stop "$dir" || true
      exit 1
    fi
    {
      cat "$dir/env"
      echo "RGW_FIXTURES=$dir/fixtures"
      echo "RGW_FIXTURES_SCRIPT=$here/s3_fixtures.py"
      echo "RGW_ENV_FILE=$dir/env"
    } > "$dir/test.env"
    ;;
  stop)
    if [ -d "$dir" ]; then "$here/rgw.sh" stop "$dir"; fi
    ;;
  *)
    echo "usage: rgw_fixture.sh start|stop DIR" >&2
    exit 2
    ;;
esac
