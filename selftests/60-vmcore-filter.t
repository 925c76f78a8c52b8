#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmcore_filter.ko in capture kernels of the patched 6.1 and 6.12 kernels,
# after the harness workload: the device ABI and its bad inputs
# (vmcf-abi-test), the keep-bitmaps and per-class counts against the same
# classifier run in userspace on the full vmcore of the same crash, against
# drgn's ground truth (free, file, slab within 1%, pattern pages user,
# task_struct slabs kept), against makedumpfile 1.7.2 -d 31 (6.1), and on
# 6.12 drgn reading every task from a dump filtered with our bitmap.
. "$(dirname "$0")/lib/common.sh"

workload="anon:128 hugetlb:32 pagecache:128 tmpfs:32 smallfiles:2000"
classify=$top/build/unit/vmcf-classify	# built by 25-memmap.t
mask31=0x1f	# FREE CACHE CACHE_PRIVATE USER HUGETLB: makedumpfile -d 31
mask8=0x18	# USER HUGETLB: -d 8

no_kernel_warnings() { ! grep -E 'WARNING:|BUG:|Oops|Call Trace' "$1"; }
tasks_of() { grep -c '^task ' "$1"; }

for v in 6.1 6.12; do
	name=filter-$v
	dir=$scenarios/$name
	res=$dir/results
	ko=$top/build/modules/$v-patched/module/vmcore_filter.ko
	mismatch=$top/build/modules/$v-patched/guest/vmcf_abi_mismatch.ko
	[ -f "$ko" ] || { fail "$name: $ko missing (make module)"; continue; }
	[ -f "$mismatch" ] || { fail "$name: $mismatch missing (make module)"; continue; }
	if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v patched)" \
		--initrd "$initramfs" --out "$dir" --ram 2G --smp 2 --crash-cpu 1 \
		--capture-args "nr_cpus=2" --workload "insmod:vmcore_filter.ko $workload" \
		--file "$ko=vmcore_filter.ko" --file "$mismatch=vmcf_abi_mismatch.ko" \
		--collector 'load insmod /ctl/vmcore_filter.ko' \
		--collector 'loadmm insmod /ctl/vmcf_abi_mismatch.ko' \
		--collector 'mismatch vmcore-dump -l -d 31 --filter=device --device /dev/vmcf_abi_mismatch $VMCORE $OUT/mm' \
		--collector 'mmfiles sh -c "ls -d $OUT/mm $OUT/mm?incomplete 2> /dev/null | wc -l"' \
		--collector 'abi vmcf-abi-test abi' \
		--collector 'counts vmcf-abi-test counts' \
		--collector "bm31 vmcf-abi-test bitmap $mask31 \$OUT/keep31" \
		--collector "bm8 vmcf-abi-test bitmap $mask8 \$OUT/keep8" \
		--collector 'dev31 vmcore-dump -l -d 31 --filter=device $VMCORE $OUT/dev31' \
		--collector 'mkdf31 makedumpfile -l -d 31 $VMCORE $OUT/mkdf31' \
		--collector 'unload rmmod vmcore_filter' \
		--collector 'full dd if=$VMCORE of=$OUT/vmcore bs=1M' \
		--timeout 900; then
		fail "$name: capture kernel ran the collectors"
		show_failure "$dir"
		continue
	fi
	expect "$name: the module refuses to load outside a capture kernel, and says why" \
		grep -q 'vmcore_filter: not a kdump kernel' "$dir/console.log"
	expect "$name: insmod in the system kernel failed" \
		grep -qE 'insmod vmcore_filter.ko in the system kernel: rc=[1-9]' "$dir/console.log"
	expect "$name: vmcore-dump refuses a device of another ABI version, and says so" \
		bash -c "awk '\$1 == \"mismatch\" && \$2 != 0 { f = 1 } END { exit !f }' '$res/timings' &&
			grep -q 'speaks ABI version 2, this vmcore-dump needs 1: module and tool do not match' '$res/mismatch.log'"
	expect "$name: ... and leaves no dump file behind" \
		grep -qx 0 "$res/mmfiles.log"
	for c in load loadmm abi counts bm31 bm8 dev31 mkdf31 unload full; do
		expect "$name: $c ran" collector_ok "$dir" $c
	done
	sed -n -e "s/^ok - /ok - $name: /p" -e "s/^not ok - /not ok - $name: /p" "$res/abi.log"
	expect "$name: no WARN/BUG/oops in the capture kernel" \
		no_kernel_warnings "$res/capture-dmesg.txt"

	# The same classifier in userspace, reading the full vmcore.
	w=$dir/userspace
	mkdir -p "$w"
	"$classify" --exclude $mask31 --bitmap "$w/keep31" "$res/vmcore" > "$w/counts"
	"$classify" --exclude $mask8 --bitmap "$w/keep8" "$res/vmcore" > /dev/null
	expect "$name: device bitmap at -d 31 equals the userspace classifier's" \
		cmp "$res/keep31" "$w/keep31"
	expect "$name: device bitmap at -d 8 equals the userspace classifier's" \
		cmp "$res/keep8" "$w/keep8"
	expect "$name: device counts equal the userspace classifier's" \
		diff <(sort "$res/counts.log") <(grep -vE '^(release|features|max_pfn|ram) ' "$w/counts" | sort)

	# drgn's ground truth for the device's counts and bitmaps.
	d=$dir/device
	mkdir -p "$d"
	cp "$res/counts.log" "$d/counts"
	cp "$res/keep31" "$res/keep8" "$d/"
	/usr/bin/python3 "$top/selftests/lib/drgn_page_truth.py" "$(drgn_vmlinux $v patched)" \
		"$res/vmcore" --pattern-pfns "$d/pattern" --task-pfns "$d/tasks" > "$d/truth"
	sed 's/^/  truth: /' "$d/truth"
	/usr/bin/python3 "$top/selftests/lib/check_classes.py" "$name device" "$d" "$res/mkdf31" ||
		true	# its verdicts are the ok / not ok lines it printed

	# Dumps filtered with our bitmap read every task; record makedumpfile's.
	"$top/selftests/lib/drgn_summary.py" "$(drgn_vmlinux $v patched)" "$res/vmcore" > "$d/full.drgn"
	"$top/selftests/lib/drgn_summary.py" "$(drgn_vmlinux $v patched)" "$res/dev31" > "$d/dev31.drgn"
	"$top/selftests/lib/drgn_summary.py" "$(drgn_vmlinux $v patched)" "$res/mkdf31" > "$d/mkdf31.drgn" 2>&1
	expect "$name: drgn reads the same tasks, stack and log from our -d 31 dump ($(tasks_of "$d/dev31.drgn") of $(tasks_of "$d/full.drgn") tasks)" \
		diff "$d/full.drgn" "$d/dev31.drgn"
	echo "  makedumpfile 1.7.2 -d 31: drgn reads $(tasks_of "$d/mkdf31.drgn") of $(tasks_of "$d/full.drgn") tasks"
	rm -f "$res/vmcore"
done
