#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: crash a QEMU guest running the patched 6.1 kernel on an AP, let the
# capture kernel save a filtered dump, and show what the crash utility says
# about the panic.  Run through `make demo`, which builds what it needs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/scenarios/demo
kernel=$top/build/kernels/6.1-patched

echo "demo: booting a 2 GiB, 2-CPU guest on $(sed -n 's/^source=//p' "$kernel/.vmcf-info")"
echo "demo: it writes page cache and anonymous memory, then panics on CPU 1"
"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
	--out "$out" --smp 2 --crash-cpu 1 --kexec load \
	--workload "anon:128 pagecache:128 tmpfs:32 smallfiles:1000" \
	--collector 'makedumpfile makedumpfile -l -d 31 $VMCORE $OUT/dump'

echo
echo "demo: capture kernel timings (collector, exit status, seconds):"
sed 's/^/  /' "$out/results/timings"
echo "demo: dump size: $(du -h --apparent-size "$out/results/dump" | cut -f1)" \
	"of $(sed -n 's/^vmcore_size=//p' "$out/results/capture-info") bytes of /proc/vmcore"
echo
echo "demo: what crash says about the panic (log tail, then the crashing CPU's backtrace):"
printf 'log\nbt\nquit\n' | crash -s "$kernel/vmlinux" "$out/results/dump" 2>&1 |
	sed -n '/sysrq: Trigger a crash/,$p' | head -n 60
