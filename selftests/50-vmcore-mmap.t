#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /proc/vmcore mmap with large leaves (patches/*/vmcore-mmap): in capture
# kernels of 2 GiB and 6 GiB guests, vmcore-mmap-test compares mmap with
# pread everywhere that matters, hides pfns through a vmcore_cb test
# module, and exercises fork, munmap, mprotect, mremap, madvise, smaps,
# write/O_DIRECT/vmsplice from the mapping and core dumps, with the switch
# on and off.  The stock kernels are the control: no switch, and their
# page tables cost what 4 KiB PTEs cost.
. "$(dirname "$0")/lib/common.sh"

hide_start=0x20010	# 512 MiB + 64 KiB: inside RAM, inside one 2 MiB block
hide_count=16

# relay NAME LOG: the program's verdicts, prefixed with the scenario.
relay() {
	sed -n -e "s/^ok - /ok - $1: /p" -e "s/^not ok - /not ok - $1: /p" "$2"
	grep '^# ' "$2" | grep -E 'pagetables|vmpte|padding|file_size|smaps' | sed 's/^# /  /'
}

no_kernel_warnings() {
	! grep -E 'WARNING:|BUG:|Oops|bad pmd|bad pud|Call Trace' "$1"
}

for v in 6.1 6.12; do
	for f in patched stock; do
		for ram in 2G 6G; do
			[ $f = stock ] && [ $ram = 6G ] && continue
			name=mmap-$v-$f-$ram
			dir=$scenarios/$name
			ko=$top/build/modules/$v-$f/guest/vmcore_cb_test.ko
			[ -f "$ko" ] || { fail "$name: $ko missing (make module)"; continue; }
			if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v $f)" \
				--initrd "$initramfs" --out "$dir" --ram $ram --smp 2 \
				--crash-cpu 1 --workload "anon:64 pagecache:64" \
				--file "$ko=vmcore_cb_test.ko" \
				--collector "cb insmod /ctl/vmcore_cb_test.ko start_pfn=$hide_start count=$hide_count" \
				--collector "mmap vmcore-mmap-test check --hide $hide_start $hide_count" \
				--timeout 900; then
				fail "$name: capture kernel ran the test"
				show_failure "$dir"
				continue
			fi
			log=$dir/results/mmap.log
			expect "$name: vmcore_cb test module loaded" collector_ok "$dir" cb
			relay "$name" "$log"
			expect "$name: vmcore-mmap-test passed" collector_ok "$dir" mmap
			expect "$name: no WARN/BUG/oops in the capture kernel" \
				no_kernel_warnings "$dir/results/capture-dmesg.txt"

			if [ $f = patched ]; then
				ratio=$(sed -n 's/^# pagetables_ratio //p' "$log")
				echo "  page tables, large leaves / 4 KiB: ${ratio:-none}"
				# The fixed part (upper levels, headers, unaligned
				# ends) dominates a 2 GiB guest; the bound is for 6 GiB.
				[ $ram = 6G ] && expect "$name: large leaves cost <= 1/256 of 4 KiB page tables (ratio ${ratio:-none})" \
					awk -v r="${ratio:-1}" 'BEGIN { exit !(r <= 1 / 256) }'
				expect "$name: the switch exists" grep -q 'huge=Y' "$log"
			else
				# Control: the old layout and 4 KiB PTEs, ~1/512 of the RAM mapped.
				kb=$(sed -n 's/^# pagetables absent //p' "$log")
				vmcore=$(sed -n 's/^vmcore_size=//p' "$dir/results/capture-info")
				expect "$name: stock kernel has no switch" grep -q 'huge=absent' "$log"
				expect "$name: stock page tables cost > 1/256 of 4 KiB PTEs ($kb kB for $vmcore bytes)" \
					awk -v kb="${kb:-0}" -v b="$vmcore" 'BEGIN { exit !(kb > b / 512 / 1024 / 256) }'
			fi
		done
	done
done
