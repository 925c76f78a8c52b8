#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh OUTPUT [BINARY|SRC=DEST]...
#
# Build the test guests' initramfs: busybox-static, the guest init and helper,
# kexec and makedumpfile, plus any extra programs (with the shared libraries
# ldd names) or files (SRC=DEST) the caller lists.  Same image for the system
# and the capture kernel.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: mkinitramfs.sh OUTPUT [BINARY|SRC=DEST]...}
shift
helper=$top/build/guest/vmcf-guest

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,dev,tmp,etc}

# Copy a file to the same path inside the image, with the libraries it needs.
add_program() {
	local bin=$1 lib
	[ -x "$bin" ] || { echo "mkinitramfs: $bin missing" >&2; exit 1; }
	install -D -m 0755 "$bin" "$root/usr/bin/$(basename "$bin")"
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
	done
}

install -m 0755 /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"	# for /init's #! line; init installs the rest
install -m 0755 "$top/selftests/guest/init" "$root/init"
install -m 0755 "$helper" "$root/usr/bin/vmcf-guest"
add_program /sbin/kexec
add_program /usr/bin/makedumpfile
for item in "$@"; do
	case "$item" in
	*=*) install -D -m 0644 "${item%%=*}" "$root/${item#*=}" ;;
	*) add_program "$item" ;;
	esac
done

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
