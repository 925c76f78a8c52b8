#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness itself: patched 6.1 and 6.12 kernels, crashed on the BSP and on
# an AP, capture kernel loaded with kexec_load and kexec_file_load; the full
# vmcore is read by drgn (and crash on 6.1).  Then a scenario with no capture
# kernel must fail, with a message that says so.
. "$(dirname "$0")/lib/common.sh"

workload="anon:64 hugetlb:16 pagecache:64 tmpfs:16 smallfiles:500"

for v in 6.1 6.12; do
	for cpu in 0 2; do
		for method in load file; do
			name=harness-$v-cpu$cpu-$method
			dir=$scenarios/$name
			if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v patched)" \
				--initrd "$initramfs" --out "$dir" --smp 4 --crash-cpu $cpu \
				--kexec $method --workload "$workload" \
				--collector 'full dd if=$VMCORE of=$OUT/vmcore bs=1M'; then
				fail "$name: capture kernel ran the collectors"
				show_failure "$dir"
				continue
			fi
			ok "$name: capture kernel ran the collectors"
			expect "$name: full vmcore copied" collector_ok "$dir" full

			check_readers "$name" "$dir" $v patched $cpu "$dir/results/vmcore"
			rm -f "$dir/results/vmcore"
		done
	done
done

# Negative control: without a capture kernel the run must fail, and say why.
dir=$scenarios/harness-no-capture-kernel
msg=$("$top/scripts/run-scenario.sh" --kernel "$(kernel_dir 6.1 patched)" \
	--initrd "$initramfs" --out "$dir" --kexec none \
	--collector 'full cp $VMCORE $OUT/vmcore' 2>&1)
rc=$?
echo "$msg"
expect "no capture kernel: the scenario fails" [ $rc -ne 0 ]
expect "no capture kernel: the message says the capture kernel was never reached" \
	grep -q 'never reached the capture kernel' <<< "$msg"
