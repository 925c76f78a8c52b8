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
	vmlinux=$(kernel_dir $v patched)/vmlinux
	for cpu in 0 2; do
		for method in load file; do
			name=harness-$v-cpu$cpu-$method
			dir=$scenarios/$name
			if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v patched)" \
				--initrd "$initramfs" --out "$dir" --smp 4 --crash-cpu $cpu \
				--kexec $method --workload "$workload" \
				--collector 'full cp $VMCORE $OUT/vmcore'; then
				fail "$name: capture kernel ran the collectors"
				show_failure "$dir"
				continue
			fi
			ok "$name: capture kernel ran the collectors"
			expect "$name: full vmcore copied" collector_ok "$dir" full

			"$top/selftests/lib/drgn_summary.py" "$(drgn_vmlinux $v patched)" \
				"$dir/results/vmcore" > "$dir/drgn.txt" 2>&1
			ntasks=$(grep -c '^task ' "$dir/drgn.txt")
			expect "$name: drgn lists tasks ($ntasks)" [ "$ntasks" -ge 20 ]
			expect "$name: drgn finds the crashed thread on cpu $cpu" \
				grep -qx "crashed_cpu $cpu" "$dir/drgn.txt"
			expect "$name: drgn unwinds the crashed stack through sysrq_handle_crash" \
				grep -qx "crashed_frame sysrq_handle_crash" "$dir/drgn.txt"
			expect "$name: drgn reads the panic from the log" \
				grep -q '^log sysrq: Trigger a crash' "$dir/drgn.txt"
			grep '^error' "$dir/drgn.txt"

			if [ $v = 6.1 ]; then
				"$top/selftests/lib/crash_summary.sh" "$vmlinux" \
					"$dir/results/vmcore" > "$dir/crash.txt"
				expect "$name: crash log shows the panic" \
					grep -q 'sysrq: Trigger a crash' "$dir/crash.txt"
				expect "$name: crash bt -a shows the crash path" \
					grep -q 'sysrq_handle_crash' "$dir/crash.txt"
				expect "$name: crash kmem -i runs" grep -q 'TOTAL MEM' "$dir/crash.txt"
				expect "$name: crash kmem -s runs" grep -q 'kmalloc-' "$dir/crash.txt"
			fi
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
