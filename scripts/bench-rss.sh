#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-rss.sh [VERSION] [RAM...]: peak RSS of the collector as RAM grows.
# One capture kernel (nr_cpus=2, module loaded) per guest size, the same
# small workload in each, so only the RAM size changes: vmcore-dump -l -d 31
# with the device, vmcore-dump -l -d 31 with the userspace classifier, and
# makedumpfile 1.7.2 -l -d 31 for reference; peak RSS and time of each.
# Guest RAM that is never touched costs the host nothing, so a 64 GiB guest
# runs on a smaller host.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
v=${1:-6.1}
shift || true
sizes=("${@:-2G 16G 64G}")
# shellcheck disable=SC2206
sizes=(${sizes[*]})
kernel=$top/build/kernels/$v-patched
ko=$top/build/modules/$v-patched/module/vmcore_filter.ko
workload="anon:512 pagecache:256 tmpfs:64 smallfiles:2000"

echo "collector peak RSS, $v patched, TCG, capture kernel nr_cpus=2; workload $workload"
printf '%-6s %-22s %8s %8s %s\n' guest collector seconds rss_MiB status
for ram in "${sizes[@]}"; do
	out=$top/build/scenarios/bench-rss-$v-$ram
	"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
		--out "$out" --ram "$ram" --smp 2 --crash-cpu 0 --capture-args "nr_cpus=2" \
		--crashkernel 384M --workload "$workload" --file "$ko=vmcore_filter.ko" --timeout 3600 \
		--collector 'load insmod /ctl/vmcore_filter.ko' \
		--collector 'ours-device vmcf-guest maxrss vmcore-dump -l -d 31 --filter=device $VMCORE $OUT/a' \
		--collector 'clean1 rm -f $OUT/a' \
		--collector 'ours-userspace vmcf-guest maxrss vmcore-dump -l -d 31 --filter=userspace $VMCORE $OUT/a' \
		--collector 'clean2 rm -f $OUT/a' \
		--collector 'makedumpfile vmcf-guest maxrss makedumpfile -l -d 31 $VMCORE $OUT/a' \
		--collector 'clean3 rm -f $OUT/a' > /dev/null
	res=$out/results
	for c in ours-device ours-userspace makedumpfile; do
		awk -v n="$c" '$1 == n { print $2, $3 }' "$res/timings" | {
			read -r rc secs
			printf '%-6s %-22s %8s %8s %s\n' "$ram" "$c" "$secs" \
				"$(awk '/^maxrss/ { printf "%.1f", $2 / 1024 }' "$res/$c.log")" \
				"$([ "$rc" = 0 ] && echo ok || echo "failed($rc)")"
		}
	done
done
