#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The capture kernel brings up extra CPUs but never sends INIT to the crashed
# kernel's BSP (patches/6.1/kdump-bsp; 6.12 does it on its own).  QEMU does
# not reset the machine on INIT to the BSP, so its -d cpu_reset log is the
# witness: after machine start, CPU 0 must never be reset again.
. "$(dirname "$0")/lib/common.sh"

workload="anon:32 pagecache:32 smallfiles:200"

# scenario NAME SYSTEM_KERNEL CAPTURE_KERNEL CRASH_CPU METHOD CAPTURE_ARGS [COLLECTOR]
scenario() {
	local name=$1 dir=$scenarios/$1
	"$top/scripts/run-scenario.sh" --kernel "$2" --capture-kernel "$3" \
		--initrd "$initramfs" --out "$dir" --smp 4 --crash-cpu "$4" \
		--kexec "$5" --capture-args "$6" --workload "$workload" \
		--collector "${7:-info true}" > "$dir.log" 2>&1
	local rc=$?
	cat "$dir.log"
	if [ $rc -ne 0 ]; then
		fail "$name: capture kernel ran"
		show_failure "$dir"
		return 1
	fi
	ok "$name: capture kernel ran"
}

online_cpus() { sed -n 's/^online_cpus=//p' "$scenarios/$1/results/capture-info"; }
bsp_resets() { bsp_resets_after_boot "$scenarios/$1/cpu-reset.log" 4; }

k61=$(kernel_dir 6.1 patched)
k61stock=$(kernel_dir 6.1 stock)

for cpu in 0 2 3; do
	for method in load file; do
		name=bsp-6.1-cpu$cpu-$method
		want=$([ $cpu = 0 ] && echo 4 || echo 3)
		scenario $name "$k61" "$k61" $cpu $method "nr_cpus=4" \
			'full dd if=$VMCORE of=$OUT/vmcore bs=1M' || continue
		expect "$name: capture kernel runs on $want CPUs (got $(online_cpus $name))" \
			[ "$(online_cpus $name)" = $want ]
		expect "$name: the BSP is never reset after boot (resets: $(bsp_resets $name))" \
			[ "$(bsp_resets $name)" = 0 ]
		expect "$name: full vmcore copied" collector_ok "$scenarios/$name" full
		check_readers "$name" "$scenarios/$name" 6.1 patched $cpu \
			"$scenarios/$name/results/vmcore"
		rm -f "$scenarios/$name/results/vmcore"
	done
done

# A crashed kernel without NUMBER(bsp_apicid) (stock 6.1) and a capture
# kernel on an AP: it cannot know the BSP, so it runs on one CPU and says why.
name=bsp-6.1-unknown-bsp
if scenario $name "$k61stock" "$k61" 2 load "nr_cpus=4"; then
	expect "$name: falls back to 1 CPU (got $(online_cpus $name))" [ "$(online_cpus $name)" = 1 ]
	expect "$name: dmesg says why" grep -q 'cannot tell which CPU was the crashed kernel' \
		"$scenarios/$name/results/capture-dmesg.txt"
	expect "$name: the BSP is never reset" [ "$(bsp_resets $name)" = 0 ]
fi

# An explicit disable_cpu_apicid= naming another AP: both stay out.
name=bsp-6.1-disable-cpu-apicid
if scenario $name "$k61" "$k61" 2 file "nr_cpus=4 disable_cpu_apicid=1"; then
	expect "$name: runs on 2 CPUs (got $(online_cpus $name))" [ "$(online_cpus $name)" = 2 ]
	expect "$name: APIC 1 was skipped as requested" grep -q 'Disabling requested cpu.*0x1 ignored' \
		"$scenarios/$name/results/capture-dmesg.txt"
	expect "$name: APIC 0 was skipped as the crashed BSP" grep -q "0x0 ignored: it was the crashed kernel's BSP" \
		"$scenarios/$name/results/capture-dmesg.txt"
	expect "$name: the BSP is never reset" [ "$(bsp_resets $name)" = 0 ]
fi

# Control: stock 6.1 on an AP with nr_cpus=4 does INIT the BSP.  If this
# stops failing, the witness above proves nothing.
name=bsp-6.1-stock-control
if scenario $name "$k61stock" "$k61stock" 2 load "nr_cpus=4"; then
	expect "$name: stock 6.1 resets the BSP after the crash (resets: $(bsp_resets $name))" \
		[ "$(bsp_resets $name)" -gt 0 ]
fi

# 6.12 detects the old BSP itself ("Crash kernel detected").
for f in stock patched; do
	name=bsp-6.12-$f-cpu2
	k=$(kernel_dir 6.12 $f)
	scenario $name "$k" "$k" 2 load "nr_cpus=4" || continue
	expect "$name: capture kernel runs on 3 CPUs (got $(online_cpus $name))" [ "$(online_cpus $name)" = 3 ]
	expect "$name: the BSP is never reset (resets: $(bsp_resets $name))" [ "$(bsp_resets $name)" = 0 ]
done
