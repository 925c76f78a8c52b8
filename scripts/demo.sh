#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: the whole stack on a QEMU guest.  The patched 6.1 kernel panics
# on an AP of a 3-CPU guest; the capture kernel brings up the third CPU (never the crashed
# BSP), loads vmcore_filter.ko and runs vmcore-dump; crash opens the dump
# and shows the panic.  The same crash is then captured the way Debian does
# it by default (nr_cpus=1, makedumpfile -c -d 31) and the times are shown
# side by side.  Run through `make demo`, which builds what it needs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=$top/build/kernels/6.1-patched
ko=$top/build/modules/6.1-patched/module/vmcore_filter.ko
out=$top/build/scenarios/demo
workload="anon:256 pagecache:256 tmpfs:64 smallfiles:2000"
common=(--kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" --ram 2G --smp 3
	--crash-cpu 1 --workload "$workload" --timeout 900)

# The capture kernel's clock when the collector finished: crash to dump.
done_at() { sed -n "s/^\[ *\([0-9.]*\)\] vmcf: collector $2 rc=0.*/\1/p" "$1/console.log" | tail -n 1; }

echo "demo: 2 GiB, 3-CPU guest on $(sed -n 's/^source=//p' "$kernel/.vmcf-info") with the project's patches"
echo "demo: it fills page cache and anonymous memory, then panics on CPU 1 (an AP)"
"$top/scripts/run-scenario.sh" "${common[@]}" --out "$out" --capture-args "nr_cpus=2" \
	--file "$ko=vmcore_filter.ko" \
	--collector 'load insmod /ctl/vmcore_filter.ko' \
	--collector 'report vmcore-dump --report $VMCORE' \
	--collector 'dump vmcore-dump -c -d 31 $VMCORE $OUT/dump' > /dev/null
echo "demo: Debian's default pipeline on the same kind of crash (nr_cpus=1, makedumpfile -c -d 31)"
"$top/scripts/run-scenario.sh" "${common[@]}" --out "$out-debian" --capture-args "nr_cpus=1" \
	--collector 'dump makedumpfile -c -d 31 $VMCORE $OUT/dump' > /dev/null

res=$out/results
echo
echo "demo: capture kernel: $(sed -n 's/^online_cpus=//p' "$res/capture-info") CPUs online;" \
	"$(grep -o "kdump: the crashed kernel's BSP.*" "$res/capture-dmesg.txt" || echo 'booted on the BSP')"
echo "demo: the crashed kernel's memory by class (vmcore_filter.ko):"
sed 's/^/  /' "$res/report.log"
echo
printf 'demo: %-44s %12s %14s\n' "" "dump (s)" "crash->dump (s)"
printf 'demo: %-44s %12s %14s\n' "ours (2 CPUs, module, vmcore-dump -c -d 31)" \
	"$(awk '$1 == "dump" { print $3 }' "$res/timings")" "$(done_at "$out" dump)"
printf 'demo: %-44s %12s %14s\n' "Debian default (1 CPU, makedumpfile -c -d 31)" \
	"$(awk '$1 == "dump" { print $3 }' "$out-debian/results/timings")" "$(done_at "$out-debian" dump)"
echo "demo: dump sizes: ours $(du -h --apparent-size "$res/dump" | cut -f1)," \
	"makedumpfile $(du -h --apparent-size "$out-debian/results/dump" | cut -f1)"
echo
echo "demo: what crash says about the panic (log tail, then the crashing CPU's backtrace):"
printf 'log\nbt\nquit\n' | crash -s "$kernel/vmlinux" "$res/dump" 2>&1 |
	sed -n '/sysrq: Trigger a crash/,$p' | head -n 60
