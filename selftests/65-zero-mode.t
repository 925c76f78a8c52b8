#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Zero-change mode (vmcore_filter.ko zero_level=31) in capture kernels of
# the patched 6.1 and 6.12 kernels: an unmodified makedumpfile 1.7.2 at
# -d 1 then writes the same pages as vmcore-dump -d 31 with the device
# (every page equal to the full vmcore's), and at Debian's default -d 31 a
# dump drgn reads; the module cannot be unloaded once pages are hidden.
# Also prints the cost: makedumpfile -d 31 with and without the mode.
. "$(dirname "$0")/lib/common.sh"

check=$top/build/unit/collector/collector_check	# built by 35-collector.t
workload="anon:128 hugetlb:32 pagecache:128 tmpfs:32 smallfiles:2000"

seconds_of() { awk -v n="$2" '$1 == n { print $3 }' "$1/results/timings"; }
size_of() { stat -c %s "$1" 2> /dev/null || echo -; }
tasks_of() { grep -c '^task ' "$1"; }
# --ignore for the capture kernel's own RAM (its /proc/iomem): /proc/vmcore
# shows those pfns as they are now, and the module's own buffers may be
# there (x86 gives the low 640 KiB to the capture kernel).
own_ram() {
	local a b rest
	while IFS='- ' read -r a b rest; do
		[ "$rest" = ": System RAM" ] || continue
		printf -- '--ignore %x-%x ' $((0x$a / 4096)) $((0x$b / 4096))
	done < "$1"
}

for v in 6.1 6.12; do
	name=zero-$v
	dir=$scenarios/$name
	res=$dir/results
	ko=$top/build/modules/$v-patched/module/vmcore_filter.ko
	[ -f "$ko" ] || { fail "$name: $ko missing (make module)"; continue; }
	# The full copy and plain makedumpfile first, before anything is hidden.
	if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v patched)" \
		--initrd "$initramfs" --out "$dir" --ram 2G --smp 2 --crash-cpu 1 \
		--capture-args "nr_cpus=2" --workload "$workload" \
		--file "$ko=vmcore_filter.ko" \
		--collector 'full dd if=$VMCORE of=$OUT/vmcore bs=1M' \
		--collector 'iomem cat /proc/iomem' \
		--collector 'plain31 makedumpfile -l -d 31 $VMCORE $OUT/plain31' \
		--collector 'load insmod /ctl/vmcore_filter.ko' \
		--collector 'dev31 vmcore-dump -l -d 31 --filter=device $VMCORE $OUT/dev31' \
		--collector 'unload rmmod vmcore_filter' \
		--collector 'badlevel sh -c "insmod /ctl/vmcore_filter.ko zero_level=32; dmesg | tail -n 3"' \
		--collector 'zload insmod /ctl/vmcore_filter.ko zero_level=31' \
		--collector 'zero31 makedumpfile -l -d 31 $VMCORE $OUT/zero31' \
		--collector 'zero1 makedumpfile -l -d 1 $VMCORE $OUT/zero1' \
		--collector 'zunload rmmod vmcore_filter' \
		--timeout 900; then
		fail "$name: capture kernel ran the collectors"
		show_failure "$dir"
		continue
	fi
	for c in full iomem plain31 load dev31 unload zload zero31 zero1; do
		expect "$name: $c ran" collector_ok "$dir" $c
	done
	expect "$name: the module says which classes read as zeros" \
		grep -q 'vmcore_filter: zero_level=31: pages of classes 0x[0-9a-f]* read as zeros' \
		"$res/capture-dmesg.txt"
	expect "$name: the module stays loaded once pages are hidden (rmmod fails)" \
		awk '$1 == "zunload" && $2 != 0 { f = 1 } END { exit !f }' "$res/timings"
	expect "$name: zero_level=32 is refused with a message" \
		grep -q 'zero_level=32: a makedumpfile dump level is 0 to 31' "$res/badlevel.log"
	expect "$name: no WARN/BUG/oops in the capture kernel" \
		bash -c "! grep -E 'WARNING:|BUG:|Oops|Call Trace' '$res/capture-dmesg.txt'"

	read -ra ignore <<< "$(own_ram "$res/iomem.log")"
	echo "  $name: capture kernel RAM not compared: ${ignore[*]}"
	# Hidden pages read as zeros: makedumpfile keeps them as zero pages, so
	# a dump in the mode holds our -d 31 pages and zeros in place of the
	# rest (readers see zeros there, not "excluded": see vmcore-filter.rst).
	for f in zero1 zero31; do
		expect "$name: every page of makedumpfile ${f#zero} in zero mode equals the vmcore's or reads as zeros" \
			"$check" "${ignore[@]}" --hidden-zero "$res/vmcore" libkdumpfile "$res/$f"
	done
	expect "$name: makedumpfile -d 1 in zero mode holds vmcore-dump -d 31's pages, and zeros for the pages it drops" \
		"$check" "${ignore[@]}" --compare --hidden-zero "$res/vmcore" libkdumpfile "$res/zero1" own "$res/dev31"
	vmlinux=$(drgn_vmlinux $v patched)
	"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$res/vmcore" > "$dir/full.drgn"
	for f in zero1 zero31 plain31; do
		"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$res/$f" > "$dir/$f.drgn" 2>&1 || true
	done
	expect "$name: drgn reads the same tasks, stack and log from makedumpfile -d 1 in zero mode" \
		diff "$dir/full.drgn" "$dir/zero1.drgn"
	if [ $v = 6.1 ]; then
		expect "$name: drgn reads the same tasks, stack and log from makedumpfile -d 31 in zero mode" \
			diff "$dir/full.drgn" "$dir/zero31.drgn"
	fi
	# Cost and output of the mode, against plain makedumpfile -d 31.
	echo "  $name: makedumpfile -l -d 31 plain $(seconds_of "$dir" plain31)s $(size_of "$res/plain31") bytes" \
		"($(tasks_of "$dir/plain31.drgn") of $(tasks_of "$dir/full.drgn") tasks);" \
		"zero mode -d 31 $(seconds_of "$dir" zero31)s $(size_of "$res/zero31") bytes" \
		"($(tasks_of "$dir/zero31.drgn") tasks), -d 1 $(seconds_of "$dir" zero1)s" \
		"$(size_of "$res/zero1") bytes ($(tasks_of "$dir/zero1.drgn") tasks);" \
		"vmcore-dump -l -d 31 $(seconds_of "$dir" dev31)s $(size_of "$res/dev31") bytes"
	[ -n "${VMCF_KEEP:-}" ] || rm -f "$res/vmcore"
done
