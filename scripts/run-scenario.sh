#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-scenario.sh [options]: boot a QEMU (TCG) guest, run a workload, crash
# it on a chosen CPU, let the capture kernel run the given collectors, and
# bring the results back to the host.  It knows nothing about the collectors:
# each is a name and a shell command run in the capture kernel with $VMCORE
# (/proc/vmcore) and $OUT (the results directory) set.
#
#   --kernel DIR          kernel tree with arch/x86/boot/bzImage (required)
#   --capture-kernel DIR  a different kernel for the capture (same as --kernel)
#   --initrd FILE         guest initramfs (required; scripts/mkinitramfs.sh)
#   --out DIR             results directory on the host (required)
#   --ram SIZE            guest RAM, QEMU syntax (2G)
#   --smp N               vCPUs (1)
#   --numa                two NUMA nodes, RAM and CPUs split evenly
#   --crash-cpu N         CPU that triggers the panic (0)
#   --kexec METHOD        load (kexec -p), file (kexec -p -s), none (load)
#   --crashkernel SIZE    system kernel's crashkernel= (256M)
#   --capture-args ARGS   added to the capture kernel's command line ("nr_cpus=1")
#   --system-args ARGS    added to the system kernel's command line
#   --workload LIST       "kind:size ..."; kinds: anon hugetlb pagecache tmpfs
#                         smallfiles (sizes in MiB or a count), insmod:FILE
#   --collector 'NAME CMD'  repeatable, run in order in the capture kernel
#   --file SRC=DEST       put a file on the control disk; the guest sees it
#                         as /ctl/DEST (kernel-specific modules, test data)
#   --disk-size SIZE      control disk size (RAM + 2G)
#   --timeout SECONDS     whole run (600)
#
# Exit status 0 when the capture kernel ran every collector; the results are
# in DIR/results (timings: "NAME RC SECONDS" per collector), the consoles in
# DIR/console.log and QEMU's CPU reset log in DIR/cpu-reset.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel= capture_kernel= initrd= out= ram=2G smp=1 numa=0 crash_cpu=0 kexec=load
crashkernel=256M capture_args="nr_cpus=1" system_args= workload=
disk_size= timeout_s=600
collectors=()
files=()

die() { echo "run-scenario: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=$2; shift ;;
	--capture-kernel) capture_kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--out) out=$2; shift ;;
	--ram) ram=$2; shift ;;
	--smp) smp=$2; shift ;;
	--numa) numa=1 ;;
	--crash-cpu) crash_cpu=$2; shift ;;
	--kexec) kexec=$2; shift ;;
	--crashkernel) crashkernel=$2; shift ;;
	--capture-args) capture_args=$2; shift ;;
	--system-args) system_args=$2; shift ;;
	--workload) workload=$2; shift ;;
	--collector) collectors+=("$2"); shift ;;
	--file) files+=("$2"); shift ;;
	--disk-size) disk_size=$2; shift ;;
	--timeout) timeout_s=$2; shift ;;
	*) die "unknown option '$1'" ;;
	esac
	shift
done
[ -n "$kernel" ] && [ -n "$initrd" ] && [ -n "$out" ] ||
	die "--kernel, --initrd and --out are required"
bzimage=$kernel/arch/x86/boot/bzImage
[ -f "$bzimage" ] || die "$bzimage missing"
capture_bzimage=${capture_kernel:-$kernel}/arch/x86/boot/bzImage
[ -f "$capture_bzimage" ] || die "$capture_bzimage missing"
[ -f "$initrd" ] || die "$initrd missing"

ram_mib=$(numfmt --from=iec "${ram%B}" | awk '{ print int($1 / 1048576) }')
[ -n "$disk_size" ] || disk_size=$(( ram_mib + 2048 ))M

rm -rf "$out"
mkdir -p "$out/ctl/boot" "$out/ctl/results"
cp "$capture_bzimage" "$out/ctl/boot/bzImage"
cp "$initrd" "$out/ctl/boot/initrd"
cat > "$out/ctl/scenario.env" <<EOF
KEXEC_METHOD='$kexec'
CRASH_CPU='$crash_cpu'
WORKLOAD='$workload'
CAPTURE_CMDLINE='console=ttyS0 reset_devices irqpoll panic=1 $capture_args'
EOF
printf '%s\n' "${collectors[@]}" > "$out/ctl/collectors"
for f in "${files[@]}"; do
	[ -f "${f%%=*}" ] || die "--file ${f%%=*} missing"
	install -D -m 0644 "${f%%=*}" "$out/ctl/${f#*=}"
done

# The control disk carries the scenario in and the results out; it is sparse.
truncate -s "$disk_size" "$out/ctl.img"
mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 -d "$out/ctl" "$out/ctl.img"
rm -rf "$out/ctl"
truncate -s 2G "$out/scratch.img"
mkfs.ext4 -q -F "$out/scratch.img"

# Guest RAM is not reserved against the host's (reserve=off): RAM a guest
# never touches costs nothing, so a 64 GiB guest boots on a smaller host.
mem_args=(-object "memory-backend-ram,id=ram0,size=${ram_mib}M,reserve=off"
	  -machine memory-backend=ram0)
if [ "$numa" = 1 ]; then
	half=$(( ram_mib / 2 ))
	cpus_half=$(( smp / 2 ))
	[ "$cpus_half" -ge 1 ] || die "--numa needs --smp 2 or more"
	mem_args=(
		-object "memory-backend-ram,id=m0,size=${half}M,reserve=off"
		-object "memory-backend-ram,id=m1,size=$(( ram_mib - half ))M,reserve=off"
		-numa "node,nodeid=0,memdev=m0,cpus=0-$(( cpus_half - 1 ))"
		-numa "node,nodeid=1,memdev=m1,cpus=$cpus_half-$(( smp - 1 ))"
	)
fi

append="console=ttyS0 crashkernel=$crashkernel panic=1 $system_args"
start=$(date +%s.%N)
set +e
timeout --foreground "$timeout_s" qemu-system-x86_64 \
	-machine pc -accel tcg -cpu max -smp "$smp" -m "$ram" "${mem_args[@]}" \
	-display none -monitor none -serial "file:$out/console.log" -no-reboot \
	-d cpu_reset -D "$out/cpu-reset.log" \
	-kernel "$bzimage" -initrd "$initrd" -append "$append" \
	-drive "file=$out/ctl.img,format=raw,if=virtio" \
	-drive "file=$out/scratch.img,format=raw,if=virtio" \
	</dev/null >"$out/qemu.log" 2>&1
rc=$?
set -e
echo "$(date +%s.%N) $start" | awk '{ printf "%.1f\n", $1 - $2 }' > "$out/wall-seconds"
rm -f "$out/scratch.img"

[ $rc -ne 124 ] || die "guest timed out after ${timeout_s}s ($(df -h --output=avail "$out" | tail -n 1 | tr -d " ") free on the host); console log kept in $out/console.log"
[ $rc -eq 0 ] || die "qemu exited with $rc ($(head -c 300 "$out/qemu.log")); console log in $out/console.log"

# Bring the results out of the ext4 image without mounting it.
"$top/scripts/extract-results.sh" "$out/ctl.img" "$out/results" || exit 1
rm -f "$out/ctl.img"

if ! grep -q 'vmcf: role=capture' "$out/console.log"; then
	reason=$(grep -o 'vmcf: .*' "$out/console.log" | tail -n 1 || true)
	die "the guest never reached the capture kernel (last marker: '${reason:-none}'); console log in $out/console.log"
fi
grep -q 'vmcf: capture done' "$out/console.log" ||
	die "the capture kernel did not finish; console log in $out/console.log"
echo "run-scenario: done in $(cat "$out/wall-seconds") s, results in $out/results"
