# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the selftests (sourced).  Tests print "ok - ...",
# "not ok - ..." or "skip - ...: reason" lines; selftests/run.sh numbers them.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenarios=$top/build/scenarios
initramfs=$top/build/guest/initramfs.gz

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }

# expect DESCRIPTION COMMAND...: ok if COMMAND succeeds.
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}

kernel_dir() { echo "$top/build/kernels/$1-$2"; }

# The vmlinux drgn should use.  drgn 0.0.22 stops at "unknown ORC entry type
# 3" on 6.12's ORC tables; without them it unwinds with DWARF CFI.  A copy,
# never a change to the kernel under test.
drgn_vmlinux() {
	local k
	k=$(kernel_dir "$1" "$2")
	case "$1" in
	6.1) echo "$k/vmlinux" ;;
	*)
		local copy=$top/build/readers/$1-$2-$(basename "$(readlink -f "$k")").vmlinux
		if [ ! -f "$copy" ]; then
			mkdir -p "$(dirname "$copy")"
			objcopy -R .orc_unwind -R .orc_unwind_ip -R .orc_header \
				"$k/vmlinux" "$copy.tmp" && mv "$copy.tmp" "$copy"
		fi
		echo "$copy" ;;
	esac
}

# collector_ok DIR NAME: the collector NAME ran and exited 0 in the capture kernel.
collector_ok() { awk -v n="$2" '$1 == n && $2 == 0 { found = 1 } END { exit !found }' "$1/results/timings"; }

# Print a scenario's results for the log of a failed test.
show_failure() {
	echo "console tail of $1:"
	tail -n 30 "$1/console.log" 2>/dev/null | sed 's/^/  | /'
}
