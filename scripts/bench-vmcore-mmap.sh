#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-vmcore-mmap.sh [RAM]: in ONE capture kernel per patched kernel,
# time mapping and touching every page of the whole /proc/vmcore (a) with
# large leaves in one mmap, (b) with vmcore.huge_mappings off in one mmap,
# (c) with 4 MiB windows as makedumpfile maps it; print the ratios.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ram=${1:-6G}

for v in 6.1 6.12; do
	out=$top/build/scenarios/bench-mmap-$v
	"$top/scripts/run-scenario.sh" --kernel "$top/build/kernels/$v-patched" \
		--initrd "$top/build/guest/initramfs.gz" --out "$out" --ram "$ram" \
		--smp 2 --crash-cpu 1 --workload "anon:256 pagecache:256" --timeout 1200 \
		--collector 'bench vmcore-mmap-test bench' >/dev/null
	echo "vmcore mmap, $v patched, $ram guest (TCG), one capture kernel:"
	grep '^bench' "$out/results/bench.log" | sed 's/^/  /'
done
