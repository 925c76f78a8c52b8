#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# measure-crashkernel.sh [KERNEL_DIR]: the smallest crashkernel= (in 16 MiB
# steps) with which a 2 GiB guest, crashed on an AP, captures a
# makedumpfile -l -d 31 dump, for capture kernels with nr_cpus=1, 2 and 4.
# Bisects between 48 MiB and 512 MiB; prints one line per nr_cpus.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:-$top/build/kernels/6.1-patched}
out=$top/build/scenarios/crashkernel

works() {	# works NR_CPUS MIB
	local dir=$out/nr$1-$2M
	"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
		--out "$dir" --smp 4 --crash-cpu 2 --crashkernel "$2M" --capture-args "nr_cpus=$1" \
		--workload "anon:128 pagecache:128 smallfiles:1000" --timeout 300 \
		--collector 'mkdf makedumpfile -l -d 31 $VMCORE $OUT/dump' >/dev/null 2>&1 &&
		awk '$1 == "mkdf" && $2 == 0 { ok = 1 } END { exit !ok }' "$dir/results/timings"
	local rc=$?
	rm -f "$dir/results/dump"
	return $rc
}

echo "kernel: $(sed -n 's/^source=//p' "$kernel/.vmcf-info") ($(basename "$(readlink -f "$kernel")"))"
for n in 1 2 4; do
	lo=48 hi=512 lo_seen=untested	# hi works (checked)
	works $n $hi || { echo "nr_cpus=$n: fails even with ${hi}M"; continue; }
	while [ $((hi - lo)) -gt 16 ]; do
		mid=$(( (lo + hi) / 2 / 16 * 16 ))
		[ $mid -gt $lo ] || mid=$((lo + 16))
		if works $n $mid; then hi=$mid; else lo=$mid lo_seen=fails; fi
	done
	echo "nr_cpus=$n: smallest working crashkernel=${hi}M (${lo}M $lo_seen)"
done
