#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kdump integration (scripts/kdump/, Documentation/kdump-integration.rst)
# in capture kernels, as kdumpctl and kdump-tools would run it:
#
# (a) the capture initramfs is the harness's, without vmcore-dump, plus a
#     layer made by the dracut module 90vmcore_filter (install() with stand-in
#     inst_* helpers, selftests/lib/kdump-stubs.sh) from a "make install"
#     tree: vmcf-collect, vmcore-dump and vmcore_filter.ko with modules.dep
#     come only from there;
# (b)-(e) in one crash of the patched 6.1 kernel, vmcf-collect with
#     makedumpfile's arguments: with a module that cannot load (the 6.12
#     build) vmcore-dump uses its userspace classifier; kdumpctl's way
#     (kdump.conf's core_collector line, vmcore-incomplete, rename) loads
#     the module with modprobe and uses the device; a failing vmcore-dump
#     hands over to makedumpfile, and its partial file stays
#     DUMPFILE.incomplete; a missing one too (--dump-dmesg); kdump-tools' way
#     (PATH from the /etc/default/kdump-tools snippet, the makedumpfile shim,
#     --dump-dmesg and a -F stream) runs vmcore-dump, and makedumpfile when
#     vmcore-dump fails before its first byte.  Every dump is complete and
#     drgn reads the same tasks, crashed stack and log from each;
# (d) vmcf-kdump-params in that capture kernel says nr_cpus=2 (the BSP
#     patch, from /proc/kallsyms); in small crashes of stock 6.1 nr_cpus=1,
#     of stock 6.12 nr_cpus=2 (6.9 or later).
. "$(dirname "$0")/lib/common.sh"

work=$top/build/kdump-integration
kpatched=$(kernel_dir 6.1 patched)
stock=$(kernel_dir 6.1 stock)
stock612=$(kernel_dir 6.12 stock)
ko=$top/build/modules/6.1-patched/module/vmcore_filter.ko
wrong_ko=$top/build/modules/6.12-patched/module/vmcore_filter.ko
helper=$top/build/guest/vmcf-guest
missing=
for f in "$kpatched/arch/x86/boot/bzImage" "$stock/arch/x86/boot/bzImage" \
	"$stock612/arch/x86/boot/bzImage" "$ko" "$wrong_ko" \
	"$helper" "$top/build/tools/vmcore-dump"; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	fail "kdump integration: inputs exist (missing:$missing; make kernels module tools guest)"
	exit 0
fi
kver=$(cat "$kpatched/include/config/kernel.release")

# --- (a) the capture initramfs ----------------------------------------------------

rm -rf "$work"
mkdir -p "$work"
stage=$work/stage layer=$work/layer modroot=$work/modroot
make -s -C "$top" install DESTDIR="$stage" PREFIX=/usr > "$work/install.log" 2>&1 ||
	{ fail "make install DESTDIR PREFIX=/usr"; sed 's/^/  | /' "$work/install.log"; exit 0; }
share=$stage/usr/share/vmcore_filter/kdump
# What DKMS would leave: the module under /lib/modules/KVER with modules.dep.
install -D -m 0644 "$ko" "$modroot/lib/modules/$kver/updates/dkms/vmcore_filter.ko"

mkdir -p "$layer"
(
	export VMCF_SYSROOT=$stage VMCF_MODROOT=$modroot VMCF_STUB_LOG=$work/dracut-calls
	export initdir=$layer kernel=$kver IN_KDUMP=1
	. "$top/selftests/lib/kdump-stubs.sh"
	vmcf_stub_depmod "$modroot" "$kver"
	. "$share/fedora/dracut/90vmcore_filter/module-setup.sh"
	check || exit 1
	installkernel || exit 1
	install
) > "$work/dracut.log" 2>&1
expect "(a) the dracut module's check, installkernel and install succeed" [ $? -eq 0 ]
sed 's/^/  dracut: /' "$work/dracut-calls"
# Test-only additions: what kdump-tools and kdumpctl would bring, and the
# two tools that emulate how they call the collector.
install -D -m 0755 "$stage/usr/sbin/vmcf-kdump-params" "$layer/usr/sbin/vmcf-kdump-params"
install -D -m 0755 "$stage/usr/libexec/vmcore_filter/kdump-tools/makedumpfile" \
	"$layer/usr/libexec/vmcore_filter/kdump-tools/makedumpfile"
install -D -m 0644 "$share/debian/default-kdump-tools" "$layer/etc/default/kdump-tools"
install -D -m 0644 "$share/fedora/kdump.conf" "$layer/etc/kdump.conf"
install -D -m 0755 "$top/selftests/lib/kdump-tools-savecore" "$layer/usr/lib/vmcf-test/kdump-tools-savecore"
install -D -m 0755 "$top/selftests/lib/kdumpctl-dump-fs" "$layer/usr/lib/vmcf-test/kdumpctl-dump-fs"
# A vmcore-dump that stops the way the real one does on a write error:
# DUMPFILE.incomplete left, exit 1; with -F, before its first byte.
cat > "$layer/usr/lib/vmcf-test/failing-vmcore-dump" <<'EOF'
#!/bin/sh
for a; do last=$a; done
case " $* " in *" -F "*) echo "failing-vmcore-dump: no stream" >&2; exit 1 ;; esac
echo "a partial dump" > "$last.incomplete"
echo "failing-vmcore-dump: stopped, $last.incomplete left" >&2
exit 1
EOF
chmod 0755 "$layer/usr/lib/vmcf-test/failing-vmcore-dump"

# The harness's initramfs without vmcore-dump, then the layer: the kernel
# unpacks concatenated archives in order.
"$top/scripts/mkinitramfs.sh" "$work/base.gz" > "$work/mkinitramfs.log" 2>&1 ||
	{ fail "(a) scripts/mkinitramfs.sh"; exit 0; }
(cd "$layer" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) > "$work/layer.gz"
cat "$work/base.gz" "$work/layer.gz" > "$work/initrd.gz"
base_list=$(zcat "$work/base.gz" | cpio -t --quiet)
layer_list=$(zcat "$work/layer.gz" | cpio -t --quiet)
expect "(a) the harness part of the initramfs has no vmcore-dump or vmcore_filter.ko" \
	bash -c '! grep -qE "vmcore-dump|vmcore_filter.ko" <<<"$1"' _ "$base_list"
for f in usr/sbin/vmcf-collect usr/sbin/vmcore-dump "lib/modules/$kver/updates/dkms/vmcore_filter.ko" \
	"lib/modules/$kver/modules.dep"; do
	expect "(a) the dracut module put $f in the initramfs" grep -qx "$f" <<<"$layer_list"
done
expect "(a) modules.dep lists vmcore_filter.ko" \
	grep -q '^updates/dkms/vmcore_filter.ko:' "$layer/lib/modules/$kver/modules.dep"
expect "(a) vmcore-dump's libraries came along (libzstd)" \
	grep -q 'libzstd.so' <<<"$layer_list"

# --- (b)-(e) in one crash -------------------------------------------------------------

t=/usr/lib/vmcf-test
dir=$scenarios/kdump-integration
res=$dir/results
start=$(date +%s)
if ! "$top/scripts/run-scenario.sh" --kernel "$kpatched" --initrd "$work/initrd.gz" \
	--out "$dir" --ram 1G --smp 2 --crash-cpu 0 --capture-args "nr_cpus=2" \
	--workload "anon:64 pagecache:64 smallfiles:500" \
	--file "$wrong_ko=kdump/wrong.ko" \
	--collector "params vmcf-kdump-params" \
	--collector "nomod VMCF_MODULE=/ctl/kdump/wrong.ko vmcf-collect -l --message-level 7 -d 31 \$VMCORE \$OUT/nomod" \
	--collector "fedora $t/kdumpctl-dump-fs /etc/kdump.conf \$OUT/fedora" \
	--collector "loadmod vmcf-collect --load-module" \
	--collector "failing VMCF_VMCORE_DUMP=$t/failing-vmcore-dump vmcf-collect -l -d 31 \$VMCORE \$OUT/failing" \
	--collector "absent VMCF_VMCORE_DUMP=/nonexistent vmcf-collect --dump-dmesg \$VMCORE \$OUT/absent-dmesg.txt" \
	--collector "debian $t/kdump-tools-savecore /etc/default/kdump-tools \$OUT/debian" \
	--collector "debianfb VMCF_VMCORE_DUMP=$t/failing-vmcore-dump $t/kdump-tools-savecore /etc/default/kdump-tools \$OUT/debianfb" \
	--timeout 900 > "$dir.log" 2>&1; then
	cat "$dir.log"
	fail "kdump-integration: the capture kernel ran the collectors"
	show_failure "$dir"
	exit 0
fi
echo "  crash run: $(( $(date +%s) - start )) s"
sed 's/^/  timing: /' "$res/timings"
for c in params nomod fedora loadmod failing absent debian debianfb; do
	expect "$c ran and exited 0" collector_ok "$dir" $c
done

has() { grep -qF -- "$2" "$res/$1.log"; }
# (d)
expect "(d) patched 6.1: vmcf-kdump-params says smp_safe=yes" has params "smp_safe=yes"
expect "(d) patched 6.1: ... because of the BSP patch in /proc/kallsyms" \
	has params "reason=carries the BSP patch (apic_kdump_find_bsp in /proc/kallsyms)"
expect "(d) patched 6.1: nr_cpus=2 for 2 online CPUs" has params "nr_cpus=2"
# (e) the module cannot load: the userspace classifier
expect "(e) nomod: insmod of the 6.12 module fails and vmcf-collect says so" \
	has nomod "vmcf-collect: module: 'insmod /ctl/kdump/wrong.ko' failed"
expect "(e) nomod: vmcf-collect expects the userspace classifier" \
	has nomod "vmcf-collect: vmcore-dump: keep-bitmap from the userspace classifier"
expect "(e) nomod: vmcore-dump used the userspace classifier" \
	has nomod "pages to keep from: userspace classifier"
expect "(e) nomod: complete" has nomod "vmcf-collect: done: vmcore-dump wrote"
# (a)-(c) kdumpctl's way
expect "(c) fedora: kdump.conf's core_collector line is vmcf-collect with makedumpfile's flags" \
	has fedora "dump-fs: core_collector is '/usr/sbin/vmcf-collect -l --message-level 7 -d 31'"
expect "(b) fedora: vmcf-collect loaded the module with modprobe (from the initramfs)" \
	has fedora "vmcf-collect: module: loaded (modprobe vmcore_filter)"
expect "(b) fedora: vmcore-dump read the keep-bitmap from the device" \
	has fedora "pages to keep from: device /dev/vmcore_filter"
renamed() { [ -s "$res/fedora/vmcore" ] && ! ls "$res"/fedora/vmcore-incomplete* > /dev/null 2>&1; }
expect "(c) fedora: the dump was renamed from vmcore-incomplete, nothing incomplete left" renamed
expect "(b) --load-module: the module is already loaded" has loadmod "module: vmcore_filter is already loaded"
expect "the decisions are in the capture kernel's log too" \
	grep -qF "vmcf-collect: module: loaded (modprobe vmcore_filter)" "$res/capture-dmesg.txt"
# (e) vmcore-dump fails, or is missing: makedumpfile
expect "(e) failing: vmcf-collect falls back to makedumpfile" \
	has failing "vmcf-collect: vmcore-dump failed (exit 1): falling back to makedumpfile"
expect "(e) failing: makedumpfile wrote the dump" has failing "vmcf-collect: done: makedumpfile wrote"
partial_kept() { [ -s "$res/failing" ] && [ "$(cat "$res/failing.incomplete")" = "a partial dump" ]; }
expect "(e) failing: the partial dump stays failing.incomplete, makedumpfile's is failing" partial_kept
expect "(e) absent: no vmcore-dump, makedumpfile --dump-dmesg" \
	has absent "vmcore-dump: VMCF_VMCORE_DUMP=/nonexistent is not an executable file: falling back to makedumpfile"
expect "(e) absent: makedumpfile's log has the panic" grep -q 'sysrq: Trigger a crash' "$res/absent-dmesg.txt"
# kdump-tools' way
expect "(c) debian: kdump-config's makedumpfile is the shim" \
	has debian "savecore: makedumpfile is /usr/libexec/vmcore_filter/kdump-tools/makedumpfile"
expect "(c) debian: the shim ran vmcore-dump --dump-dmesg" \
	has debian "vmcf-collect: running vmcore-dump: /usr/sbin/vmcore-dump --dump-dmesg /proc/vmcore"
expect "(c) debian: the shim ran vmcore-dump -F -c -d 31 with the device" \
	has debian "vmcf-collect: running vmcore-dump: /usr/sbin/vmcore-dump -F -c -d 31 /proc/vmcore"
deb_dump=$(ls "$res"/debian/dump.* 2>/dev/null | head -n 1)
saved() { [ -s "$deb_dump" ] && [ ! -e "$res/debian/dump-incomplete" ]; }
expect "(c) debian: dump.STAMP saved, no dump-incomplete" saved
expect "(c) debian: the log has the panic" grep -q 'sysrq: Trigger a crash' "$res"/debian/dmesg.*
expect "(e) debianfb: vmcore-dump failed before the stream began: makedumpfile -F" \
	grep -qE "vmcf-collect: running makedumpfile: [^ ]*/makedumpfile -F -c -d 31 /proc/vmcore" "$res/debianfb.log"
fb_dump=$(ls "$res"/debianfb/dump.* 2>/dev/null | head -n 1)
expect "(e) debianfb: dump.STAMP saved" [ -s "$fb_dump" ]

# Every dump complete and readable: drgn reads the same as from kdumpctl's.
vmlinux=$(drgn_vmlinux 6.1 patched)
for f in debian debianfb; do
	dump=$(ls "$res"/$f/dump.* 2>/dev/null | head -n 1)
	makedumpfile -R "$res/$f.kdump" < "$dump" > "$work/$f-R.log" 2>&1
	expect "$f: makedumpfile -R turns the flattened stream into a dump (the end marker is there)" \
		[ -s "$res/$f.kdump" ]
done
"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$res/fedora/vmcore" > "$work/fedora.drgn" 2>&1
ntasks=$(grep -c '^task ' "$work/fedora.drgn")
expect "fedora: drgn lists tasks ($ntasks)" [ "$ntasks" -ge 20 ]
expect "fedora: drgn finds the crashed thread on cpu 0" grep -qx "crashed_cpu 0" "$work/fedora.drgn"
expect "fedora: drgn unwinds through sysrq_handle_crash" grep -qx "crashed_frame sysrq_handle_crash" "$work/fedora.drgn"
expect "fedora: drgn reads the panic from the log" grep -q '^log sysrq: Trigger a crash' "$work/fedora.drgn"
for f in nomod failing debian.kdump debianfb.kdump; do
	"$top/selftests/lib/drgn_summary.py" "$vmlinux" "$res/$f" > "$work/$f.drgn" 2>&1
	expect "$f: drgn reads the same tasks, stack and log as from kdumpctl's dump" \
		diff "$work/fedora.drgn" "$work/$f.drgn"
done
rm -f "$res"/*.kdump

# --- (d) stock 6.1 and stock 6.12 -------------------------------------------------------

# params_run NAME KERNEL_DIR: a small crash whose capture kernel only runs
# vmcf-kdump-params; 0 if it did.
params_run() {
	dir=$scenarios/$1
	if "$top/scripts/run-scenario.sh" --kernel "$2" --initrd "$work/initrd.gz" \
		--out "$dir" --ram 1G --smp 2 --crash-cpu 0 --capture-args "nr_cpus=2" \
		--workload "smallfiles:10" --collector "params vmcf-kdump-params" \
		--timeout 600 > "$dir.log" 2>&1 && collector_ok "$dir" params; then
		sed "s/^/  $1: /" "$dir/results/params.log"
		return 0
	fi
	cat "$dir.log"
	fail "$1: the capture kernel ran vmcf-kdump-params"
	show_failure "$dir"
	return 1
}
said() { grep -qxF -- "$2" "$scenarios/$1/results/params.log"; }
if params_run kdump-integration-6.1-stock "$stock"; then
	n=kdump-integration-6.1-stock
	expect "(d) stock 6.1: smp_safe=no" said $n "smp_safe=no"
	expect "(d) stock 6.1: ... it lacks the BSP patch" said $n \
		"reason=Linux 6.1 is older than 6.9 and lacks the BSP patch (no apic_kdump_find_bsp in /proc/kallsyms)"
	expect "(d) stock 6.1: nr_cpus=1 although 2 CPUs are online" \
		bash -c 'grep -qx nr_cpus=1 "$1" && grep -qx cpus=2 "$1"' _ "$scenarios/$n/results/params.log"
fi
if params_run kdump-integration-6.12-stock "$stock612"; then
	n=kdump-integration-6.12-stock
	expect "(d) stock 6.12: smp_safe=yes, by its version" said $n \
		"reason=Linux 6.12 is 6.9 or later: it keeps the crashed BSP offline itself"
	expect "(d) stock 6.12: nr_cpus=2" said $n "nr_cpus=2"
fi
echo "  total: $(( $(date +%s) - start )) s of QEMU and checks"
