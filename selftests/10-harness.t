#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The harness itself: patched 6.1 and 6.12 kernels, crashed on the BSP and on
# an AP, capture kernel loaded with kexec_load and kexec_file_load; the full
# vmcore is read by drgn (and crash on 6.1).  Then a scenario with no capture
# kernel must fail, with a message that says so, and so must a short copy of
# the results out of the control disk.
. "$(dirname "$0")/lib/common.sh"

workload="anon:128 hugetlb:32 pagecache:128 tmpfs:32 smallfiles:2000"

for v in 6.1 6.12; do
	for cpu in 0 2; do
		for method in load file; do
			name=harness-$v-cpu$cpu-$method
			dir=$scenarios/$name
			if ! "$top/scripts/run-scenario.sh" --kernel "$(kernel_dir $v patched)" \
				--initrd "$initramfs" --out "$dir" --smp 4 --crash-cpu $cpu \
				--kexec $method --workload "$workload" \
				--collector 'full dd if=$VMCORE of=$OUT/vmcore bs=1M' \
				--collector 'mkdf31 makedumpfile -l -d 31 $VMCORE $OUT/mkdf31'; then
				fail "$name: capture kernel ran the collectors"
				show_failure "$dir"
				continue
			fi
			ok "$name: capture kernel ran the collectors"
			expect "$name: full vmcore copied" collector_ok "$dir" full

			check_readers "$name" "$dir" $v patched $cpu "$dir/results/vmcore"
			# One full vmcore per kernel stays for the tests that
			# compare with drgn's ground truth (25-memmap.t).
			if [ $cpu = 2 ] && [ $method = load ]; then
				keep=$top/build/testdumps/$v
				rm -rf "$keep"
				mkdir -p "$keep"
				mv "$dir/results/vmcore" "$dir/results/mkdf31" "$keep/"
				ln -s "$(readlink -f "$(kernel_dir $v patched)")/vmlinux" "$keep/vmlinux"
				echo "crash on cpu 2 of a 4-CPU 2 GiB guest after: $workload" > "$keep/README"
			fi
			rm -f "$dir/results/vmcore" "$dir/results/mkdf31"
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

# A short copy out of the control disk (here a file size limit stands in for
# a full host disk) must fail the run and name the file, never leave a
# truncated result that looks like a dump.
dir=$scenarios/harness-short-copy
rm -rf "$dir"
mkdir -p "$dir/ctl/results"
head -c 3M /dev/urandom > "$dir/ctl/results/dump"
echo 0 > "$dir/ctl/results/timings"
mkdir -p "$dir/ctl/results/fedora/127.0.0.1-2026"
head -c 100K /dev/urandom > "$dir/ctl/results/fedora/127.0.0.1-2026/vmcore"
truncate -s 64M "$dir/ctl.img"
mkfs.ext4 -q -F -d "$dir/ctl" "$dir/ctl.img"
msg=$( (ulimit -f 1024; "$top/scripts/extract-results.sh" "$dir/ctl.img" "$dir/results") 2>&1)
rc=$?
echo "$msg" | grep extract-results
expect "short copy: extracting the results fails" [ $rc -ne 0 ]
expect "short copy: the message names the file and the sizes" \
	grep -q 'results/dump: 1048576 of 3145728 bytes copied' <<< "$msg"
"$top/scripts/extract-results.sh" "$dir/ctl.img" "$dir/results"
expect "short copy: with room, every byte comes out" cmp "$dir/ctl/results/dump" "$dir/results/dump"
expect "results in subdirectories come out too" \
	diff -r "$dir/ctl/results" "$dir/results"
rm -rf "$dir"
