#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmcore-dump in capture kernels of the patched 6.1 and 6.12 kernels with
# vmcore_filter.ko loaded: levels 1 and 31 in every compression, level 0
# uncompressed and with zstd (every compression at level 0 with
# VMCF_FULL=1), -E, -F and --split.  Every page of every dump equals the
# full vmcore's (libkdumpfile, or our ELF reader); drgn reads the same
# tasks, crashed stack and log from each; on 6.1 crash's log, bt -a,
# kmem -i and kmem -s give the same answers; makedumpfile 1.7.2 re-filters
# the zlib and lzo dumps and converts the -F stream back.
. "$(dirname "$0")/lib/common.sh"

check=$top/build/unit/collector/collector_check	# built by 35-collector.t
workload="anon:128 hugetlb:32 pagecache:128 tmpfs:32 smallfiles:2000"
declare -A flag=([none]= [zlib]=-c [lzo]=-l [snappy]=-p [zstd]=-z)
level0=(none zstd)
[ -n "${VMCF_FULL:-}" ] && level0=(none zlib lzo snappy zstd)

# The crash answers that must not change with the dump file.
crash_answers() { grep -vE '^(crash|GNU gdb|Copyright|License|This|There is|For bug|and |show |under |This GDB|Type |    (KERNEL|DUMPFILE):)' "$1"; }

for v in 6.1 6.12; do
	name=collect-$v
	dir=$scenarios/$name
	res=$dir/results
	ko=$top/build/modules/$v-patched/module/vmcore_filter.ko
	[ -f "$ko" ] || { fail "$name: $ko missing (make module)"; continue; }
	# The full copy first: it is the reference every dump is checked against.
	cols=(--collector 'full dd if=$VMCORE of=$OUT/vmcore bs=1M'
	      --collector 'load insmod /ctl/vmcore_filter.ko'
	      --collector 'report vmcore-dump --report $VMCORE')
	dumps=()
	for c in none zlib lzo snappy zstd; do
		for d in 1 31; do
			cols+=(--collector "d$d-$c vmcore-dump ${flag[$c]} -d $d \$VMCORE \$OUT/d$d-$c")
			dumps+=(d$d-$c)
		done
	done
	for c in "${level0[@]}"; do
		cols+=(--collector "d0-$c vmcore-dump ${flag[$c]} -d 0 \$VMCORE \$OUT/d0-$c")
		dumps+=(d0-$c)
	done
	cols+=(--collector 'elf31 vmcore-dump -E -d 31 $VMCORE $OUT/elf31'
	       --collector 'flat31 vmcore-dump -F -l -d 31 $VMCORE > $OUT/flat31'
	       --collector 'split31 vmcore-dump -z -d 31 --split $VMCORE $OUT/split31-a $OUT/split31-b'
	       --collector 'input vmcore-dump -D --dry-run -l -d 31 $VMCORE $OUT/none')
	if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v patched)" \
		--initrd "$initramfs" --out "$dir" --ram 2G --smp 2 --crash-cpu 1 \
		--capture-args "nr_cpus=2" --workload "$workload" \
		--file "$ko=vmcore_filter.ko" "${cols[@]}" --disk-size 16G --timeout 1800; then
		fail "$name: capture kernel ran the collectors"
		show_failure "$dir"
		continue
	fi
	sed 's/^/  timing: /' "$res/timings"
	for c in load report "${dumps[@]}" elf31 flat31 split31 input full; do
		expect "$name: $c ran" collector_ok "$dir" $c
	done
	expect "$name: the device filtered" grep -q 'device /dev/vmcore_filter' "$res/d31-lzo.log"
	expect "$name: /proc/vmcore (huge mappings) is read through one mapping" \
		grep -q 'input read with one mapping' "$res/input.log"

	vmlinux=$(drgn_vmlinux $v patched)
	"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$res/vmcore" > "$dir/full.drgn"
	[ $v = 6.1 ] && "$top/selftests/lib/crash_summary.sh" "$(kernel_dir $v patched)/vmlinux" \
		"$res/vmcore" > "$dir/full.crash"
	if [ $v = 6.1 ]; then
		# --report against crash's kmem -i on the full vmcore.  crash
		# 8.0.2's SLAB line disagrees with the kernel's own counters
		# (vm_stat, which 60-vmcore-filter.t checks), so it is shown only.
		ours() { awk -v c="$1" '$1 == c { print $2 }' "$res/report.log"; }
		theirs() { awk -v k="$1" '$1 == k && $2 ~ /^[0-9]+$/ { print $2; exit }' "$dir/full.crash"; }
		within() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b / 100 + 1) }'; }
		expect "$name: --report free $(ours free) within 1% of crash kmem -i FREE $(theirs FREE)" \
			within "$(ours free)" "$(theirs FREE)"
		expect "$name: --report cache $(( $(ours cache) + $(ours cache_private) )) within 1% of crash CACHED+BUFFERS $(( $(theirs CACHED) + $(theirs BUFFERS) ))" \
			within $(( $(ours cache) + $(ours cache_private) )) $(( $(theirs CACHED) + $(theirs BUFFERS) ))
		expect "$name: --report hugetlb $(ours hugetlb) equals crash TOTAL HUGE" \
			grep -qE "TOTAL HUGE +$(ours hugetlb) " "$dir/full.crash"
		echo "  slab: --report $(ours slab), crash kmem -i SLAB $(theirs SLAB)"
	fi
	makedumpfile -R "$res/flat31.dump" < "$res/flat31" > /dev/null 2>&1
	for f in "${dumps[@]}" elf31 flat31.dump; do
		reader=libkdumpfile
		case $f in elf31) reader=elf ;; esac
		expect "$name: every page of $f equals the vmcore's" \
			"$check" --zero-absent "$res/vmcore" $reader "$res/$f"
		"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$res/$f" > "$dir/$f.drgn" 2>&1
		expect "$name: drgn reads the same tasks, stack and log from $f" \
			diff "$dir/full.drgn" "$dir/$f.drgn"
		if [ $v = 6.1 ]; then
			"$top/selftests/lib/crash_summary.sh" "$(kernel_dir $v patched)/vmlinux" \
				"$res/$f" > "$dir/$f.crash"
			expect "$name: crash gives the same log, bt -a, kmem -i, kmem -s from $f" \
				diff <(crash_answers "$dir/full.crash") <(crash_answers "$dir/$f.crash")
		fi
	done
	expect "$name: every page of the --split set equals the vmcore's" \
		"$check" --zero-absent "$res/vmcore" libkdumpfile "$res/split31-a" "$res/split31-b"
	if [ $v = 6.1 ]; then
		"$top/selftests/lib/crash_summary.sh" "$(kernel_dir $v patched)/vmlinux" \
			"$res/split31-a" "$res/split31-b" > "$dir/split.crash"
		expect "$name: crash opens the --split set with the same answers as the full vmcore" \
			diff <(crash_answers "$dir/full.crash") <(crash_answers "$dir/split.crash")
	fi
	# drgn 0.0.22 opens one file: it reads the set joined by --to-elf.
	rm -f "$dir/split31.elf"
	"$top/build/tools/vmcore-dump" --to-elf "$res/split31-a" "$res/split31-b" "$dir/split31.elf" \
		> "$dir/split31.toelf.log" 2>&1
	"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$dir/split31.elf" > "$dir/split31.drgn" 2>&1
	expect "$name: drgn reads the same tasks, stack and log from the --split set (joined with --to-elf)" \
		diff "$dir/full.drgn" "$dir/split31.drgn"
	rm -f "$dir/split31.elf"
	# makedumpfile 1.7.2 (lzo and zlib only) re-filters ours to a higher level.
	for c in zlib lzo; do
		rm -f "$dir/refilter-$c"
		makedumpfile ${flag[$c]} -d 31 "$res/d1-$c" "$dir/refilter-$c" > "$dir/refilter-$c.log" 2>&1
		expect "$name: makedumpfile re-filters our $c dump to -d 31" [ -s "$dir/refilter-$c" ]
		"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$dir/refilter-$c" > "$dir/refilter-$c.drgn" 2>&1
		if [ $v = 6.1 ]; then
			expect "$name: drgn reads makedumpfile's re-filtered $c dump" \
				diff "$dir/full.drgn" "$dir/refilter-$c.drgn"
		else	# 1.7.2 drops 6.12 task_struct slabs that look anonymous
			echo "  makedumpfile re-filtered $c: drgn reads $(grep -c '^task ' "$dir/refilter-$c.drgn") of $(grep -c '^task ' "$dir/full.drgn") tasks"
		fi
	done
	# The dumps are checked; the logs stay.  VMCF_KEEP=1 keeps the dumps too.
	[ -n "${VMCF_KEEP:-}" ] ||
		find "$res" "$dir" -maxdepth 1 -type f \( -name vmcore -o -name 'd[0-9]*-*' -o \
			-name elf31 -o -name 'flat31*' -o -name 'split31-?' -o -name 'refilter-*' \) \
			! -name '*.log' ! -name '*.drgn' ! -name '*.crash' -delete
done
