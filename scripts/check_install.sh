#!/usr/bin/env bash
# Installs the build to a temporary prefix and checks what an embedder gets:
# the layout (each header compiling alone is checked by every build:
# objectfs_public_headers), examples/embed built with
# find_package (shared and static) and with pkg-config (shared and static),
# each run on a local file and on an object of the RGW that ctest started
# (OBJECTFS_TEST_ENV, tests/servers/rgw_fixture.sh), checked against the bytes.
# Usage: scripts/check_install.sh [BUILD_DIR]   (ctest: install_embed)
#        OBJECTFS_INSTALL_LOCAL_ONLY=1 scripts/check_install.sh   (no RGW part)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/objectfs-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
fail() { echo "check_install: $*" >&2; exit 1; }

version="$(sed -n 's/^#define OBJECTFS_VERSION "\(.*\)"$/\1/p' "$build/include/objectfs/version.hpp")"
[ -n "$version" ] || fail "no OBJECTFS_VERSION in $build/include/objectfs/version.hpp"

echo "== cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || { cat "$work/install.log"; fail "install failed"; }
libdir="$(dirname "$(find "$prefix" -name libobjectfs.a | head -1)")"
[ -d "$libdir" ] || fail "no libobjectfs.a under $prefix"
soname="$(readelf -d "$libdir/libobjectfs.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
for f in "$prefix/bin/objectfs" "$prefix/include/objectfs/version.hpp" "$libdir/$soname" \
         "$libdir/libobjectfs.so.$version" "$libdir/cmake/objectfs/objectfsConfig.cmake" \
         "$libdir/cmake/objectfs/objectfsConfigVersion.cmake" "$libdir/pkgconfig/objectfs.pc"; do
  [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
case "$soname" in libobjectfs.so.[0-9]*) ;; *) fail "libobjectfs.so has SONAME '$soname'" ;; esac
stray="$(find "$prefix/include" -type f ! -path "$prefix/include/objectfs/*.hpp")"
[ -z "$stray" ] || fail "installed headers outside include/objectfs: $stray"
echo "   SONAME $soname, $(find "$prefix/include/objectfs" -name '*.hpp' | wc -l) headers"

echo "== examples/embed with find_package(objectfs CONFIG)"
for kind in shared static; do
  static=OFF
  [ "$kind" = static ] && static=ON
  cmake -S "$root/examples/embed" -B "$work/embed-$kind" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -Dobjectfs_USE_STATIC_LIBS=$static -DCMAKE_BUILD_TYPE=Release >"$work/cmake-$kind.log" ||
    { cat "$work/cmake-$kind.log"; fail "configuring examples/embed ($kind) failed"; }
  cmake --build "$work/embed-$kind" >"$work/build-$kind.log" ||
    { cat "$work/build-$kind.log"; fail "building examples/embed ($kind) failed"; }
done
readelf -d "$work/embed-shared/embed" | grep -q "NEEDED.*\[$soname\]" ||
  fail "embed (shared) does not load $soname"
if readelf -d "$work/embed-static/embed" | grep -q 'NEEDED.*libobjectfs'; then
  fail "embed (static) loads libobjectfs.so"
fi

echo "== examples/embed with pkg-config"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
[ "$(pkg-config --modversion objectfs)" = "$version" ] || fail "objectfs.pc says $(pkg-config --modversion objectfs)"
src="$root/examples/embed/main.cpp"
# shellcheck disable=SC2046  # pkg-config prints flags to be split
c++ -std=c++20 -O2 -o "$work/embed-pc-shared" "$src" $(pkg-config --cflags --libs objectfs)
# Static: objectfs.pc's own Libs and Libs.private (depth 2: objectfs itself,
# not what it requires) with libobjectfs.a, and its Requires.private as shared
# libraries: Debian's libcurl.pc names static libraries Debian does not ship.
# shellcheck disable=SC2046
c++ -std=c++20 -O2 -o "$work/embed-pc-static" "$src" $(pkg-config --cflags objectfs) \
  -Wl,-Bstatic $(pkg-config --static --libs --maximum-traverse-depth=2 objectfs) -Wl,-Bdynamic \
  $(pkg-config --libs $(pkg-config --print-requires-private objectfs))
if readelf -d "$work/embed-pc-static" | grep -q 'NEEDED.*libobjectfs'; then
  fail "embed-pc-static loads libobjectfs.so"
fi
binaries=("$work/embed-shared/embed" "$work/embed-static/embed" "$work/embed-pc-shared"
          "$work/embed-pc-static")

# Runs every embed build on URI and compares its line with the bytes of FILE.
check_read() {
  local uri="$1" file="$2" want got b
  want="$(/usr/bin/python3 -c 'import sys, zlib
data = open(sys.argv[1], "rb").read()
print(f"size={len(data)} crc32={zlib.crc32(data):08x}")' "$file")"
  for b in "${binaries[@]}"; do
    got="$(LD_LIBRARY_PATH="$libdir" "$b" "$uri" 2>"$work/embed.err")" ||
      { cat "$work/embed.err" >&2; fail "$(basename "$b") $uri failed"; }
    [ "$got" = "$want" ] || fail "$(basename "$b") $uri printed '$got', the file is '$want'"
    grep -q "objectfs $version (compiled against $version)" "$work/embed.err" ||
      fail "$(basename "$b") reports $(cat "$work/embed.err")"
  done
  echo "   $uri: $want (${#binaries[@]} builds)"
}

echo "== reads: a local file"
head -c 3000001 /dev/urandom >"$work/local.bin"
check_read "$work/local.bin" "$work/local.bin"

if [ "${OBJECTFS_INSTALL_LOCAL_ONLY:-0}" = 1 ]; then
  echo "check_install: passed (local reads only: OBJECTFS_INSTALL_LOCAL_ONLY=1)"
  exit 0
fi
echo "== reads: an object on RGW"
[ -n "${OBJECTFS_TEST_ENV:-}" ] || fail "OBJECTFS_TEST_ENV is not set (run through ctest, or set OBJECTFS_INSTALL_LOCAL_ONLY=1)"
env_value() { sed -n "s/^$1=//p" "$OBJECTFS_TEST_ENV" | tail -1 | tr -d "'\""; }
fixtures="$(env_value RGW_FIXTURES)"
# The largest plain-named fixture under 32 MiB: several parts, quick to read.
read -r key file < <(/usr/bin/python3 -c 'import json, re, sys
m = json.load(open(sys.argv[1]))
ok = [(e["size"], k, e["file"]) for k, e in m.items()
      if not e.get("skipped") and re.fullmatch(r"[A-Za-z0-9._/-]+", k) and e["size"] < 32 << 20]
size, key, path = max(ok)
print(key, path)' "$fixtures/manifest.json")
[ -n "${key:-}" ] || fail "no fixture to read in $fixtures/manifest.json"
export AWS_ACCESS_KEY_ID="$(env_value RGW_ACCESS_KEY)" AWS_SECRET_ACCESS_KEY="$(env_value RGW_SECRET_KEY)"
export AWS_ENDPOINT_URL="$(env_value RGW_ENDPOINT)" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
export HOME="$work"  # no ~/.aws of the machine
check_read "s3://objectfs-test/$key" "$file"
echo "check_install: passed"
