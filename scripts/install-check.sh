#!/bin/sh
# make install-check: install into a scratch prefix as a user would, then check what
# was installed: primer.pc (no rpath, ${prefix}-relative paths), a program linked
# against the shared library through pkg-config, a fully static one through
# pkg-config --static, the man page, and that make uninstall removes every file.
#   scripts/install-check.sh MAKE CC
set -u
make=${1:-make}
cc=${2:-cc}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
prefix=$dir/prefix
fail() { echo "install-check: $*" >&2; exit 1; }

$make -s --no-print-directory install PREFIX="$prefix" > "$dir/install.log" 2>&1 ||
    { cat "$dir/install.log"; fail "make install failed"; }
pc=$prefix/lib/pkgconfig/primer.pc
[ -f "$pc" ] || fail "no $pc"
grep -q rpath "$pc" && fail "primer.pc sets an rpath"
grep -q '^libdir=${prefix}/lib$' "$pc" || fail "primer.pc's libdir is not \${prefix}/lib"
PKG_CONFIG_PATH=$prefix/lib/pkgconfig
export PKG_CONFIG_PATH
want="x = [1.6 1.8]"
# shared: the loader finds libprimer.so.0 by the program's own rpath (or ldconfig)
$cc examples/quickstart.c $(pkg-config --cflags --libs primer) -Wl,-rpath,"$prefix/lib" -o "$dir/shared" ||
    fail "linking against the shared library failed"
[ "$("$dir/shared")" = "$want" ] || fail "the shared program printed '$("$dir/shared")'"
# static: everything from pkg-config --static, nothing else
$cc -static examples/quickstart.c $(pkg-config --static --cflags --libs primer) -o "$dir/static" 2> "$dir/static.log" ||
    { cat "$dir/static.log"; fail "a static program does not link from pkg-config --static"; }
[ "$("$dir/static")" = "$want" ] || fail "the static program printed '$("$dir/static")'"
# the man page: the tool's help texts, every command in it
page=$prefix/share/man/man1/primer.1
[ -f "$page" ] || fail "no man page at $page"
for c in $("$prefix/bin/primer" --help | sed -n '/^commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'); do
    grep -q "^\.SS $c\$" "$page" || fail "the man page has no section for '$c'"
done
if command -v groff > /dev/null; then
    groff -ww -man -z "$page" 2>&1 | grep . && fail "groff warns about the man page"
fi
$make -s --no-print-directory uninstall PREFIX="$prefix" > /dev/null || fail "make uninstall failed"
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left $left"
echo "install-check: ok (pkg-config shared and static links, man page, uninstall)"
