#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-collector.sh [RAM] [VERSION]: vmcore-dump against Debian's
# makedumpfile 1.7.2, all in ONE capture kernel (nr_cpus=2, module loaded)
# of a guest crashed after the harness workload: -d 31 and -d 0 with lzo
# (-l) and zlib (-c), ours also with zstd; 1 CPU (taskset, --num-threads 1)
# and 2 CPUs (ours: 2 threads; makedumpfile: --num-threads 2, which may
# abort, recorded as such).  Time, output size and peak RSS; then ratios.
# Further runs measure end to end against Debian's default pipeline
# (capture kernel nr_cpus=1, makedumpfile -c -d 31): capture-kernel uptime
# when the dump file is complete; ours with zlib, lzo and zstd.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ram=${1:-8G}
v=${2:-6.1}
kernel=$top/build/kernels/$v-patched
ko=$top/build/modules/$v-patched/module/vmcore_filter.ko
out=$top/build/scenarios/bench-collector-$v-$ram
ram_mib=$(numfmt --from=iec "$ram" | awk '{ print int($1 / 1048576) }')
# Memory in use, not idle: half the RAM in anonymous pattern pages and
# page cache, so neither filter can skip whole free blocks.
workload="anon:$((ram_mib / 4)) pagecache:$((ram_mib / 8)) tmpfs:256 hugetlb:64 smallfiles:2000"

# Panics on CPU 0 (the BSP), so a capture kernel with nr_cpus=2 gets both
# vCPUs: after a panic on an AP the crashed BSP stays offline.
cols=(--collector 'load insmod /ctl/vmcore_filter.ko')
add() {	# add NAME CMD: timed with its peak RSS, then the output's size
	cols+=(--collector "$1 vmcf-guest maxrss $2"
	       --collector "size-$1 sh -c 'stat -c %s \$OUT/out; rm -f \$OUT/out'")
}
# makedumpfile --num-threads 2 is killed after this many seconds ("timeout").
mkdf_threads_limit=${BENCH_MKDF_THREADS_LIMIT:-600}
# BENCH_D0 narrows the slow -d 0 runs (e.g. BENCH_D0=l); default all.
for d in 31 0; do
	comps="l c"
	[ $d = 0 ] && comps=${BENCH_D0:-l c}
	for c in $comps; do
		add "mkdf-$c$d-1cpu" "taskset -c 0 makedumpfile -$c -d $d \$VMCORE \$OUT/out"
		add "ours-$c$d-1cpu" "taskset -c 0 vmcore-dump --num-threads 1 -$c -d $d \$VMCORE \$OUT/out"
		# Its threaded -d 0 ran 1077 s and aborted in a trial: bounded.
		add "mkdf-$c$d-2cpu" "timeout $mkdf_threads_limit makedumpfile --num-threads 2 -$c -d $d \$VMCORE \$OUT/out"
		add "ours-$c$d-2cpu" "vmcore-dump -$c -d $d \$VMCORE \$OUT/out"
	done
	add "ours-z$d-2cpu" "vmcore-dump -z -d $d \$VMCORE \$OUT/out"
done
# Uncompressed: the case where compression cannot fall behind the reads.
add "ours-n0-2cpu" "vmcore-dump -d 0 \$VMCORE \$OUT/out"
cols+=(--collector 'raw-read dd if=$VMCORE of=/dev/null bs=4M')

"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
	--out "$out" --ram "$ram" --smp 2 --crash-cpu 0 --capture-args "nr_cpus=2" \
	--crashkernel 384M --workload "$workload" --file "$ko=vmcore_filter.ko" \
	--timeout 3600 "${cols[@]}" > /dev/null

res=$out/results
vmcore=$(sed -n 's/^vmcore_size=//p' "$res/capture-info")
echo "collector benchmark: $v patched, $ram guest (TCG), capture nr_cpus=2, one capture kernel"
echo "workload: $workload; /proc/vmcore $((vmcore >> 20)) MiB"
printf '%-16s %8s %10s %10s %9s %s\n' collector seconds MiB/s out_MiB rss_MiB status
prev=
while read -r name rc secs; do
	case "$name" in
	load) ;;
	size-*) size=$(head -n 1 "$res/$name.log")
	      printf '%-16s %8s %10s %10s %9s %s\n' "$pname" "$psecs" \
		"$(awk -v b="$vmcore" -v s="$psecs" 'BEGIN { printf "%.0f", b / 1048576 / s }')" \
		"$(( ${size:-0} >> 20 ))" "$prss" "$prc" ;;
	raw-read) printf '%-16s %8s %10s\n' "$name" "$secs" \
		"$(awk -v b="$vmcore" -v s="$secs" 'BEGIN { printf "%.0f", b / 1048576 / s }')" ;;
	*) pname=$name psecs=$secs
	   case $rc in 0) prc=ok ;; 124) prc=timeout ;; *) prc="failed($rc)" ;; esac
	   prss=$(awk '/^maxrss/ { printf "%.1f", $2 / 1024 }' "$res/$name.log") ;;
	esac
done < "$res/timings"
t() { awk -v n="$1" '$1 == n { print $3 }' "$res/timings"; }
ratio() { awk -v a="$(t "$1")" -v b="$(t "$2")" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "ratios (makedumpfile time / ours, same compression and level):"
for d in 31 0; do
	for c in l c; do
		grep -q "^mkdf-$c$d-1cpu " "$res/timings" || continue
		echo "  -$c -d $d: 1 CPU $(ratio mkdf-$c$d-1cpu ours-$c$d-1cpu)x," \
			"2 CPUs $(ratio mkdf-$c$d-2cpu ours-$c$d-2cpu)x;" \
			"ours 1->2 CPUs $(ratio ours-$c$d-1cpu ours-$c$d-2cpu)x"
	done
done
echo "  ours -d 0 uncompressed $(t ours-n0-2cpu) s against a raw read of /proc/vmcore $(t raw-read) s:" \
	"$(awk -v a="$(t ours-n0-2cpu)" -v b="$(t raw-read)" 'BEGIN { printf "%+.0f%%", (a / b - 1) * 100 }')"

# End to end: crash -> complete dump file, from the capture kernel's clock.
e2e() {	# e2e DIR COLLECTOR: capture-kernel uptime when COLLECTOR finished
	awk -v n="$2" 'index($0, "vmcf: collector " n " rc=") { t = $2 } END { gsub(/\]/, "", t); print t }' \
		"$1/console.log" | tail -n 1
}
"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
	--out "$out-debian" --ram "$ram" --smp 2 --crash-cpu 0 --capture-args "nr_cpus=1" \
	--crashkernel 384M --workload "$workload" --timeout 3600 \
	--collector 'dump makedumpfile -c -d 31 $VMCORE $OUT/dump' > /dev/null
for c in c l z; do
	"$top/scripts/run-scenario.sh" --kernel "$kernel" --initrd "$top/build/guest/initramfs.gz" \
		--out "$out-ours-$c" --ram "$ram" --smp 2 --crash-cpu 0 --capture-args "nr_cpus=2" \
		--crashkernel 384M --workload "$workload" --file "$ko=vmcore_filter.ko" --timeout 3600 \
		--collector 'load insmod /ctl/vmcore_filter.ko' \
		--collector "dump vmcore-dump -$c -d 31 \$VMCORE \$OUT/dump" > /dev/null
done
a=$(e2e "$out-debian" dump)
size() { stat -c %s "$1/results/dump" 2>/dev/null | awk '{ printf "%.1f", $1 / 1048576 }'; }
echo
echo "end to end (crash -> complete dump file, capture kernel clock):"
echo "  Debian default (nr_cpus=1, makedumpfile -c -d 31): $a s, $(size "$out-debian") MiB"
for c in c l z; do
	b=$(e2e "$out-ours-$c" dump)
	echo "  ours (nr_cpus=2, module, vmcore-dump -$c -d 31): $b s, $(size "$out-ours-$c") MiB," \
		"ratio $(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')x"
done
