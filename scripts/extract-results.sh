#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# extract-results.sh IMAGE DIR: copy the regular files under /results in the
# ext4 IMAGE (the control disk a scenario's guest wrote) into DIR, without
# mounting it.
#
# Zero blocks become holes, first in the image and then in each file as it
# lands (a full vmcore copy is mostly zeros), so the host needs room for the
# data, not for the guest's RAM twice.  debugfs exits 0 after a short write,
# so each file's size is checked against the image's: a full host disk fails
# here, naming the file, instead of leaving a truncated dump behind.
set -euo pipefail

image=${1:?usage: extract-results.sh IMAGE DIR}
dir=${2:?usage: extract-results.sh IMAGE DIR}

die() { echo "extract-results: $*" >&2; exit 1; }

fallocate --dig-holes "$image" 2>/dev/null || true
log=$(dirname "$dir")/debugfs.log
: > "$log"

# copy_tree REL: copy /results/REL (a directory) into $dir/REL, recursively.
copy_tree() {
	local rel=$1 list mode name size got

	mkdir -p "$dir/$rel"
	list=$(debugfs -R "ls -p \"/results/$rel\"" "$image" 2>>"$log") ||
		die "cannot list /results/$rel in $image (see $log)"
	# ls -p prints /INODE/MODE/UID/GID/NAME/SIZE/ per entry.
	while IFS=/ read -r _ _ mode _ _ name size _; do
		case "$name" in ''|.|..) continue ;; esac
		case "$mode" in
		040*)
			copy_tree "$rel$name/"
			continue ;;
		100*) ;;
		*) continue ;;
		esac
		rm -f "$dir/$rel$name"
		debugfs -R "dump -p \"/results/$rel$name\" \"$dir/$rel$name\"" \
			"$image" >/dev/null 2>>"$log" || true
		got=$(stat -c %s "$dir/$rel$name" 2>/dev/null || echo 0)
		[ "$got" = "$size" ] ||
			die "results/$rel$name: $got of $size bytes copied out of" \
				"$image ($(df -h --output=avail "$dir" | tail -n 1 |
				tr -d ' ') free on the host)"
		fallocate --dig-holes "$dir/$rel$name" 2>/dev/null || true
	done <<< "$list"
}

copy_tree ""
