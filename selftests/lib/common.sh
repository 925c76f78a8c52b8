# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the selftests (sourced).  Tests print "ok - ...",
# "not ok - ..." or "skip - ...: reason" lines; selftests/run.sh numbers them.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
scenarios=$top/build/scenarios
initramfs=$top/build/guest/initramfs.gz

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }
todo() { echo "todo - $*"; }	# "WHAT: the known reason it fails"

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

# check_readers NAME DIR VERSION FLAVOUR CRASH_CPU DUMP: drgn (both kernels)
# and crash (6.1) read the dump: tasks, the crashed thread and its stack on
# the right CPU, the panic in the log; crash's log, bt -a, kmem -i, kmem -s.
check_readers() {
	local name=$1 dir=$2 v=$3 f=$4 cpu=$5 dump=$6 ntasks
	"$top/selftests/lib/drgn_summary.py" "$(drgn_vmlinux "$v" "$f")" "$dump" \
		> "$dir/drgn.txt" 2>&1
	ntasks=$(grep -c '^task ' "$dir/drgn.txt")
	expect "$name: drgn lists tasks ($ntasks)" [ "$ntasks" -ge 20 ]
	expect "$name: drgn finds the crashed thread on cpu $cpu" \
		grep -qx "crashed_cpu $cpu" "$dir/drgn.txt"
	expect "$name: drgn unwinds the crashed stack through sysrq_handle_crash" \
		grep -qx "crashed_frame sysrq_handle_crash" "$dir/drgn.txt"
	expect "$name: drgn reads the panic from the log" \
		grep -q '^log sysrq: Trigger a crash' "$dir/drgn.txt"
	grep '^error' "$dir/drgn.txt"

	[ "$v" = 6.1 ] || return 0
	"$top/selftests/lib/crash_summary.sh" "$(kernel_dir "$v" "$f")/vmlinux" "$dump" \
		> "$dir/crash.txt"
	expect "$name: crash log shows the panic" \
		grep -q 'sysrq: Trigger a crash' "$dir/crash.txt"
	expect "$name: crash bt -a shows the crash path" \
		grep -q 'sysrq_handle_crash' "$dir/crash.txt"
	expect "$name: crash kmem -i runs" grep -q 'TOTAL MEM' "$dir/crash.txt"
	expect "$name: crash kmem -s runs" grep -q 'kmalloc-' "$dir/crash.txt"
}

# bsp_resets_after_boot CPU_RESET_LOG SMP: how often QEMU reset CPU 0 (the
# BSP) after machine start.  QEMU logs every CPU reset: machine start resets
# CPUs 0..SMP-1 in turn (once or twice), after which only INIT resets a CPU.
# A system kernel never sends INIT to the BSP, so any later reset of CPU 0
# came from a capture kernel.
bsp_resets_after_boot() {
	awk -v n="$2" '/^CPU Reset \(CPU [0-9]+\)/ {
		cpu = $4; sub(/\)/, "", cpu)
		if (start && cpu == i % n) { i++; next }
		start = 0
		if (cpu == 0) resets++
	}
	BEGIN { start = 1 }
	END { print resets + 0 }' "$1"
}
