#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two NUMA nodes, memory above the 4 GiB PCI hole, a panic on a CPU of
# node 1: the capture kernel sees both nodes and the dump reads in drgn.
. "$(dirname "$0")/lib/common.sh"

name=numa-6.1
dir=$scenarios/$name
if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir 6.1 patched)" \
	--initrd "$initramfs" --out "$dir" --ram 6G --smp 4 --numa --crash-cpu 3 \
	--capture-args "nr_cpus=4" --workload "anon:64 pagecache:64" \
	--collector 'nodes cat /sys/devices/system/node/online' \
	--collector 'dump makedumpfile -l -d 31 $VMCORE $OUT/dump'; then
	fail "$name: capture kernel ran the collectors"
	show_failure "$dir"
	exit 0
fi
expect "$name: the system kernel had two nodes" grep -q 'SRAT: Node 1 PXM 1' "$dir/console.log"
expect "$name: the capture kernel sees nodes 0-1" grep -qx '0-1' "$dir/results/nodes.log"
size=$(sed -n 's/^vmcore_size=//p' "$dir/results/capture-info")
expect "$name: RAM above the PCI hole is in /proc/vmcore ($size bytes)" \
	[ "${size:-0}" -gt $((5 << 30)) ]
expect "$name: the dump is complete" collector_ok "$dir" dump
"$top/selftests/lib/drgn_summary.py" "$(drgn_vmlinux 6.1 patched)" "$dir/results/dump" > "$dir/drgn.txt" 2>&1
expect "$name: drgn finds the crashed thread on cpu 3" grep -qx 'crashed_cpu 3' "$dir/drgn.txt"
expect "$name: drgn unwinds through sysrq_handle_crash" grep -qx 'crashed_frame sysrq_handle_crash' "$dir/drgn.txt"
