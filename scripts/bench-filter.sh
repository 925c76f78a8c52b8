#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-filter.sh [VERSION] [RAM...]: deciding which pages to keep at -d 31.
# In ONE capture kernel (nr_cpus=2) per guest size, after a workload that
# keeps memory in use: vmcore_filter.ko's whole bitmap read on 1 CPU and on
# all CPUs (vmcf-abi-test bench) against makedumpfile 1.7.2's filtering
# alone (its "STEP [Excluding unnecessary pages]" times, summed: it runs
# that step twice), with the ratio and the per-TiB figure.  Then, on the
# host, the userspace build of the classifier (build/unit/vmcf-classify)
# against makedumpfile --dry-run on the largest full vmcore it saved.
# bench-filter.sh --host VMCORE: only that host comparison, on a saved file.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
largest= keep=
if [ "${1:-}" = --host ]; then
	largest=$2 keep=1
	set -- none
fi
v=${1:-6.1}
shift || true
sizes=("${@:-2G 16G}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
[ -n "$keep" ] && sizes=()
kernel=$top/build/kernels/$v-patched
ko=$top/build/modules/$v-patched/module/vmcore_filter.ko
excl() { awk '/STEP \[Excluding unnecessary pages\]/ { s += $(NF - 1) } END { printf "%.3f", s }' "$1"; }
# How many times makedumpfile ran that step (it decides by itself: 1 or 2).
steps() { grep -c 'STEP \[Excluding unnecessary pages\]' "$1"; }
field() { awk -v n="$2" '$1 == "bench" && $2 == n { print $3 }' "$1"; }

[ ${#sizes[@]} -gt 0 ] && echo "filtering benchmark, $v patched, TCG, capture kernel nr_cpus=2"
for ram in "${sizes[@]}"; do
	out=$top/build/scenarios/bench-filter-$v-$ram
	ram_mib=$(numfmt --from=iec "$ram" | awk '{ print int($1 / 1048576) }')
	# Memory in use, not idle: free buddy blocks are skipped whole by both.
	workload="anon:$((ram_mib / 2)) pagecache:$((ram_mib / 4)) tmpfs:128 smallfiles:2000"
	save=()
	if [ "$ram_mib" -ge 6144 ] && [ "$ram_mib" -le 8192 ]; then
		save=(--collector 'full dd if=$VMCORE of=$OUT/vmcore bs=4M')
	fi
	# The panic on CPU 0 (the BSP), so the capture kernel gets both vCPUs:
	# after a panic on an AP the crashed BSP stays offline.
	"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
		--out "$out" --ram "$ram" --smp 2 --crash-cpu 0 --capture-args "nr_cpus=2" \
		--disk-size $((ram_mib * 2 + 2048))M \
		--crashkernel 384M --workload "$workload" --file "$ko=vmcore_filter.ko" --timeout 3600 \
		--collector 'load insmod /ctl/vmcore_filter.ko' \
		--collector 'ours vmcf-abi-test bench 0x1f' \
		--collector 'cpu1off sh -c "echo 0 > /sys/devices/system/cpu/cpu1/online"' \
		--collector 'ours1 vmcf-abi-test bench 0x1f' \
		--collector 'mkdf makedumpfile -d 31 --dry-run --message-level 31 $VMCORE $OUT/none' \
		"${save[@]}" > /dev/null
	res=$out/results
	[ ${#save[@]} -gt 0 ] && largest=$res/vmcore
	pfns=$(field "$res/ours.log" pfns)
	tib=$(awk -v p="$pfns" 'BEGIN { printf "%.6f", p * 4096 / 2 ^ 40 }')
	# The module spreads one read over online CPUs: 1 CPU is with cpu1 offline.
	one=$(field "$res/ours1.log" one_pread) all=$(field "$res/ours.log" one_pread)
	mk=$(excl "$res/mkdf.log")
	echo "  $ram guest ($pfns pfns): ours 1 CPU ${one}s, all CPUs ${all}s; makedumpfile ${mk}s ($(steps "$res/mkdf.log") steps);" \
		"ratio $(awk -v a="$mk" -v b="$all" 'BEGIN { printf "%.1f", a / b }')x (1 CPU $(awk -v a="$mk" -v b="$one" 'BEGIN { printf "%.1f", a / b }')x);" \
		"per TiB: ours $(awk -v t="$all" -v s="$tib" 'BEGIN { printf "%.1f", t / s }')s, makedumpfile $(awk -v t="$mk" -v s="$tib" 'BEGIN { printf "%.1f", t / s }')s"
done

# Median of five runs: the host is shared and a single run is noisy.
median5() { sort -n | sed -n 3p; }
if [ -n "$largest" ] && [ -f "$largest" ]; then
	classify=$top/build/unit/vmcf-classify	# built by selftests/25-memmap.t
	# classify_s: the first whole pass over RAM, struct pages read from the
	# file; makedumpfile: its filtering steps.
	ours=$(for i in 1 2 3 4 5; do
		"$classify" --time -d 31 "$largest" | awk '$1 == "classify_s" { print $2 }'
	done | median5)
	ours1=$(for i in 1 2 3 4 5; do
		"$classify" --threads 1 --time -d 31 "$largest" | awk '$1 == "classify_s" { print $2 }'
	done | median5)
	mk=$(for i in 1 2 3 4 5; do
		makedumpfile -d 31 --dry-run --message-level 31 "$largest" /tmp/vmcf-bench-none > "$largest.mkdf.log" 2>&1 || true
		excl "$largest.mkdf.log"; echo
	done | median5)
	mksteps=$(steps "$largest.mkdf.log")
	echo "  host, $(( $(stat -c %s "$largest") >> 20 )) MiB vmcore (median of 5): vmcf-classify ${ours}s" \
		"(1 thread ${ours1}s) vs makedumpfile filtering ${mk}s ($mksteps steps):" \
		"$(awk -v a="$ours" -v b="$mk" 'BEGIN { printf "%.2f", a / b }') of its time" \
		"($(awk -v a="$ours1" -v b="$mk" 'BEGIN { printf "%.2f", a / b }') on 1 thread)"
	rm -f "$largest.mkdf.log"
	# BENCH_FILTER_KEEP=1 keeps the saved vmcore for --host runs.
	[ -n "$keep" ] || [ -n "${BENCH_FILTER_KEEP:-}" ] || rm -f "$largest"
fi
