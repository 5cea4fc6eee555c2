#!/usr/bin/env bash
# Builds the Debian package (CPack) from a build folder, installs it with
# dpkg -i, checks what it holds and declares, runs the installed binary from a
# clean environment (--version; cat of local files compared with them) and
# builds examples/embed against the installed library, then purges the
# package again (dpkg -r would leave its record behind). Needs root or sudo;
# refuses to run over an installed objectfs.
# Usage: scripts/check_deb.sh [BUILD_DIR]   (.ci/run, after the release tests)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/objectfs-deb.XXXXXX")"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then
    "${sudo_cmd[@]}" dpkg --purge objectfs >/dev/null || echo "check_deb: dpkg --purge objectfs failed" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check_deb: $*" >&2; exit 1; }

if dpkg-query -W -f='${Status}' objectfs 2>/dev/null | grep -q "install ok installed"; then
  fail "a package objectfs is installed already; remove it first (dpkg -r objectfs)"
fi

echo "== cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/cpack" >"$work/cpack.log") || { cat "$work/cpack.log"; fail "cpack failed"; }
deb="$(find "$work/cpack" -maxdepth 1 -name 'objectfs_*.deb' | head -1)"
[ -f "$deb" ] || fail "cpack made no objectfs_*.deb"
version="$(dpkg-deb -f "$deb" Version)"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "   $(basename "$deb"): Depends: $depends"
[ "$("$build/objectfs" --version)" = "objectfs $version" ] || fail "the package is $version, build/objectfs says $("$build/objectfs" --version)"
for dep in libcurl4 libfuse3-3 fuse3 libssl3 libpugixml1v5 libxxhash0 libmicrohttpd12 libstdc++6; do
  [[ ", $depends," == *", $dep "* || ", $depends," == *", $dep,"* ]] || fail "Depends lacks $dep"
done

echo "== dpkg -i"
installed=1
if ! "${sudo_cmd[@]}" dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get -f install -y -qq >>"$work/dpkg.log" 2>&1 ||
    { cat "$work/dpkg.log"; fail "dpkg -i and apt-get -f install failed"; }
fi
for f in /usr/bin/objectfs /usr/include/objectfs/client.hpp /usr/include/objectfs/version.hpp \
         /usr/lib/libobjectfs.a /usr/lib/libobjectfs.so /usr/lib/cmake/objectfs/objectfsConfig.cmake \
         /usr/lib/pkgconfig/objectfs.pc; do
  dpkg -S "$f" >/dev/null 2>&1 || fail "the package does not install $f"
done

echo "== the installed binary, from a clean environment"
clean=(env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8)
got="$("${clean[@]}" /usr/bin/objectfs --version)"
[ "$got" = "objectfs $version" ] || fail "/usr/bin/objectfs --version printed '$got'"
head -c 5000003 /dev/urandom >"$work/blob.bin"
for f in /etc/hostname "$work/blob.bin"; do
  "${clean[@]}" /usr/bin/objectfs cat "$f" >"$work/out" || fail "/usr/bin/objectfs cat $f failed"
  cmp "$work/out" "$f" || fail "/usr/bin/objectfs cat $f differs from the file"
  echo "   objectfs cat $f: $(stat -c %s "$f") bytes, identical"
done

echo "== examples/embed against the installed package (find_package, no prefix given)"
cmake -S "$root/examples/embed" -B "$work/embed" -G Ninja >"$work/embed.log" &&
  cmake --build "$work/embed" >>"$work/embed.log" || { cat "$work/embed.log"; fail "examples/embed failed"; }
got="$("${clean[@]}" "$work/embed/embed" "$work/blob.bin" 2>/dev/null)"
want="$(/usr/bin/python3 -c 'import sys, zlib
d = open(sys.argv[1], "rb").read(); print(f"size={len(d)} crc32={zlib.crc32(d):08x}")' "$work/blob.bin")"
[ "$got" = "$want" ] || fail "embed printed '$got', want '$want'"
[ "$(pkg-config --modversion objectfs)" = "$version" ] || fail "pkg-config finds objectfs $(pkg-config --modversion objectfs)"
echo "   embed: $got; pkg-config objectfs $version"

echo "== dpkg --purge (-r, and no record left)"
"${sudo_cmd[@]}" dpkg --purge objectfs >/dev/null
installed=0
[ ! -e /usr/bin/objectfs ] || fail "/usr/bin/objectfs is still there after dpkg --purge"
[ ! -e /usr/lib/libobjectfs.so ] || fail "/usr/lib/libobjectfs.so is still there after dpkg --purge"
if dpkg-query -W objectfs >/dev/null 2>&1; then fail "dpkg still records objectfs after --purge"; fi
echo "check_deb: passed ($(basename "$deb"))"
