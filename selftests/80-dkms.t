#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS builds vmcore_filter.ko from dkms.conf for every kernel the harness
# built (an explicit kernel source dir, private DKMS trees: the system's
# are not touched), and skips a kernel without PROC_VMCORE cleanly.
. "$(dirname "$0")/lib/common.sh"

command -v dkms > /dev/null || { skip "dkms: not installed"; exit 0; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
src=$t/src/vmcore_filter-$version
mkdir -p "$src" "$t/dkms" "$t/inst"
make -s -C "$top" DESTDIR="$t/stage" dkms-source > /dev/null
cp -r "$t/stage/usr/src/vmcore_filter-$version/." "$src/"
d() { dkms --dkmstree "$t/dkms" --sourcetree "$t/src" --installtree "$t/inst" "$@"; }

expect "dkms add" d add -m vmcore_filter -v "$version"
for k in "$top"/build/kernels/*; do
	kr=$(sed -n 's/^kernelrelease=//p' "$k/.vmcf-info")
	name=$(basename "$k")
	if d build -m vmcore_filter -v "$version" -k "$kr" --kernelsourcedir "$(readlink -f "$k")" \
		> "$t/$name.log" 2>&1 &&
		[ -f "$t/dkms/vmcore_filter/$version/$kr/x86_64/module/vmcore_filter.ko" ]; then
		ok "dkms builds vmcore_filter.ko for $name ($kr)"
	else
		fail "dkms builds vmcore_filter.ko for $name ($kr)"
		tail -n 20 "$t/$name.log"
	fi
	# The same release string serves patched and stock: start afresh.
	d unbuild -m vmcore_filter -v "$version" -k "$kr" > /dev/null 2>&1 ||
		rm -rf "${t:?}/dkms/vmcore_filter/$version/$kr"
done

# A kernel that cannot be a capture kernel: BUILD_EXCLUSIVE_CONFIG skips it.
mkdir -p "$t/nokdump"
grep -v '^CONFIG_PROC_VMCORE=y' "$(ls -d "$top"/build/kernels/* | head -n 1)/.config" > "$t/nokdump/.config"
d build -m vmcore_filter -v "$version" -k 6.1.0-nokdump --kernelsourcedir "$t/nokdump" > "$t/nokdump.log" 2>&1
rc=$?
expect "dkms skips a kernel without PROC_VMCORE (exit 77: BUILD_EXCLUSIVE)" [ $rc = 77 ]
