#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kdump integration scripts (scripts/kdump/) without a VM:
# - shellcheck on every script, and each POSIX one parses under dash,
#   busybox sh and bash;
# - vmcf-collect under dash, busybox sh and bash, with stand-in vmcore-dump,
#   makedumpfile, modprobe and insmod: which collector runs with which
#   arguments, the module decisions and their log lines, the fallbacks,
#   partial files, -F streams, the config file; busybox sh runs its own
#   modprobe and insmod applets, so there only the paths that load nothing;
# - the makedumpfile shim for kdump-tools: PATH handling, no loops;
# - vmcf-kdump-params on fake /proc, /sys, /boot and /etc trees (--root):
#   which kernels are safe, nr_cpus, crashkernel= arithmetic and parsing,
#   --apply on kdump-tools' and kdumpctl's files, idempotence;
# - the initramfs-tools hook (Debian's hook-functions if installed, else
#   the stand-ins of selftests/lib/kdump-stubs.sh) and the dracut module
#   (stand-in inst_* helpers) filling an image directory;
# - make install / make uninstall of the kdump files with DESTDIR and PREFIX.
. "$(dirname "$0")/lib/common.sh"

kd=$top/scripts/kdump
work=$top/build/kdump-scripts
rm -rf "$work"
mkdir -p "$work"

posix_scripts=("$kd/vmcf-collect" "$kd/vmcf-kdump-params" "$kd/makedumpfile-shim"
	"$kd/debian/initramfs-tools-hook" "$top/selftests/lib/kdump-tools-savecore"
	"$top/selftests/lib/kdumpctl-dump-fs")
shells=(dash bash)
if command -v busybox > /dev/null 2>&1; then
	shells+=("busybox sh")
else
	fail "busybox is installed (busybox-static: make deps)"
fi

# --- lint and syntax -------------------------------------------------------------

if command -v shellcheck > /dev/null 2>&1; then
	for f in "${posix_scripts[@]}" "$kd/fedora/dracut/90vmcore_filter/module-setup.sh" \
		"$top/selftests/lib/kdump-stubs.sh"; do
		shell=()
		case $f in *.sh) shell=(-s sh) ;; esac
		case $f in */module-setup.sh) shell=(-s bash) ;; esac
		if out=$(shellcheck "${shell[@]}" "$f" 2>&1); then
			ok "shellcheck ${f#"$top"/}"
		else
			fail "shellcheck ${f#"$top"/}"
			sed 's/^/  | /' <<<"$out" | head -n 20
		fi
	done
else
	fail "shellcheck is installed (make deps)"
fi
for sh in "${shells[@]}"; do
	for f in "${posix_scripts[@]}"; do
		expect "${f#"$top"/} parses under $sh" $sh -n "$f"
	done
done

# --- vmcf-collect with stand-ins ----------------------------------------------------

bin=$work/bin
mkdir -p "$bin" "$work/sbin"
cp "$kd/vmcf-collect" "$work/sbin/vmcf-collect"
head -c 3000000 /dev/urandom > "$work/stream.ref"
calls=$work/calls

# vmcore-dump: STUB_DUMP ok, fail (after DUMPFILE.incomplete), usage (2),
# early (-F: fails before its first byte), late (-F: fails after 100000).
cat > "$bin/vmcore-dump" <<'EOF'
#!/bin/sh
echo "vmcore-dump $*" >> "$STUB_CALLS"
for a; do last=$a; done
case " $* " in
*" -F "*)
	case ${STUB_DUMP:-ok} in
	ok) cat "$STUB_STREAM"; exit 0 ;;
	late) head -c 100000 "$STUB_STREAM"; exit 1 ;;
	*) exit 1 ;;
	esac ;;
esac
case " $* " in *" -f "*) ;; *) [ ! -e "$last" ] || { echo "vmcore-dump: $last exists" >&2; exit 1; } ;; esac
case ${STUB_DUMP:-ok} in
ok) echo vmcore-dump > "$last"; exit 0 ;;
usage) echo "vmcore-dump: unknown option" >&2; exit 2 ;;
*) echo partial > "$last.incomplete"; exit 1 ;;
esac
EOF
# makedumpfile: STUB_MKDF ok, fail (leaves a partial DUMPFILE).
cat > "$bin/makedumpfile" <<'EOF'
#!/bin/sh
echo "makedumpfile $*" >> "$STUB_CALLS"
for a; do last=$a; done
case " $* " in
*" -R "*) cat > "$last"; exit 0 ;;
*" -F "*) echo mkdf-stream; exit 0 ;;
esac
case " $* " in *" -f "*) ;; *) [ ! -e "$last" ] || { echo "makedumpfile: $last exists" >&2; exit 1; } ;; esac
echo makedumpfile > "$last"
[ "${STUB_MKDF:-ok}" = ok ]
EOF
for m in modprobe insmod; do
	cat > "$bin/$m" <<EOF
#!/bin/sh
echo "$m \$*" >> "\$STUB_CALLS"
[ "\${STUB_${m^^}:-ok}" = ok ] || { echo "$m: FATAL: Module vmcore_filter not found" >&2; exit 1; }
EOF
done
chmod 0755 "$bin"/*

# take_envs [VAR=VALUE...] -- ARGS...: envs=(VAR=VALUE...), args=(ARGS...),
# and an empty $out with no $calls, for one stubbed run.
take_envs() {
	envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	args=("$@")
	rm -rf "$out" "$calls"
	mkdir -p "$out"
}
# collect SHELL [VAR=VALUE...] -- ARGS...: runs vmcf-collect in $out,
# stdout to $out/stdout, stderr to $out/log, calls to $calls; sets rc.
collect() {
	local sh=$1
	shift
	take_envs "$@"
	(cd "$out" && env -i PATH="$bin:/usr/bin:/bin" STUB_CALLS="$calls" STUB_STREAM="$work/stream.ref" \
		VMCF_CONF=/nonexistent "${envs[@]}" $sh "$work/sbin/vmcf-collect" "${args[@]}" \
		> "$out/stdout" 2> "$out/log")
	rc=$?
	touch "$calls"
}
called() { grep -qxF -- "$1" "$calls"; }
not_called() { ! grep -q -- "^$1" "$calls"; }
logged() { grep '^vmcf-collect: ' "$out/log" | grep -qF -- "$1"; }
content() { [ "$(cat "$out/$1" 2>/dev/null)" = "$2" ]; }
# check WHAT CONDITION...: one ok/fail line; the log on failure.
check() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		fail "$what"
		cat "$out/stdout" "$out/log" "$calls" 2>/dev/null | sed 's/^/  | /' | head -n 20
	fi
}
all() { local c; for c; do eval "$c" || return 1; done; }

for sh in "${shells[@]}"; do
	out=$work/out
	w="vmcf-collect ($sh)"
	if [ "$sh" != "busybox sh" ]; then
		collect "$sh" -- -l --message-level 7 -d 31 /proc/vmcore d
		check "$w: modprobe, then vmcore-dump with the arguments unchanged, the device expected" all \
			'[ $rc -eq 0 ]' 'called "modprobe vmcore_filter"' \
			'called "vmcore-dump -l --message-level 7 -d 31 /proc/vmcore d"' \
			'logged "module: loaded (modprobe vmcore_filter)"' \
			'logged "vmcore-dump: keep-bitmap from /dev/vmcore_filter"' \
			'logged "done: vmcore-dump wrote d"' 'content d vmcore-dump' 'not_called makedumpfile'
		collect "$sh" STUB_MODPROBE=fail -- -c -d 31 /proc/vmcore d
		check "$w: modprobe fails: the userspace classifier, said with modprobe's message" all \
			'[ $rc -eq 0 ]' 'called "vmcore-dump -c -d 31 /proc/vmcore d"' \
			'logged "module: '\''modprobe vmcore_filter'\'' failed (exit 1: modprobe: FATAL: Module vmcore_filter not found): vmcore-dump will use its userspace classifier"' \
			'logged "vmcore-dump: keep-bitmap from the userspace classifier"'
		collect "$sh" VMCF_MODULE=/x/vmcore_filter.ko VMCF_MODULE_ARGS=zero_level=31 -- -d 31 /proc/vmcore d
		check "$w: VMCF_MODULE: insmod with VMCF_MODULE_ARGS, no modprobe" all \
			'called "insmod /x/vmcore_filter.ko zero_level=31"' 'not_called modprobe' \
			'logged "module: loaded (insmod /x/vmcore_filter.ko zero_level=31)"'
		collect "$sh" VMCF_MODULE=/x/vmcore_filter.ko STUB_INSMOD=fail -- -d 31 /proc/vmcore d
		check "$w: insmod fails: the userspace classifier" all \
			'logged "module: '\''insmod /x/vmcore_filter.ko'\'' failed (exit 1"' \
			'logged "keep-bitmap from the userspace classifier"' 'content d vmcore-dump'
		printf '%s\n' '# comment' '  VMCF_MODULE="/from/conf.ko"' "VMCF_MODULE_ARGS='a=1 b=2'" \
			'$(touch pwned)' 'OTHER=1' > "$work/collect.conf"
		collect "$sh" VMCF_CONF="$work/collect.conf" -- -d 31 /proc/vmcore d
		check "$w: collect.conf: quoted values, unknown lines ignored and logged, no code run" all \
			'called "insmod /from/conf.ko a=1 b=2"' '[ ! -e "$out/pwned" ]' \
			'logged "ignoring '\''OTHER=1'\''"' 'logged "ignoring '\''\$(touch pwned)'\''"'
		collect "$sh" VMCF_CONF="$work/collect.conf" VMCF_MODULE=/from/env.ko -- -d 31 /proc/vmcore d
		check "$w: the environment wins over collect.conf" called "insmod /from/env.ko a=1 b=2"
		collect "$sh" -- -ld1 /proc/vmcore d
		check "$w: -ld1 (a cluster): no page classes needed at -d 1" all \
			'logged "keep-bitmap from no page classes needed at -d 1"' 'called "vmcore-dump -ld1 /proc/vmcore d"'
		collect "$sh" -- -ld31 /proc/vmcore d
		check "$w: -ld31 (a cluster): level 31 read" logged "keep-bitmap from /dev/vmcore_filter"
	fi
	collect "$sh" -- -l -d 31 "$work/stream.ref" d
	check "$w: a saved vmcore: no module loaded" all \
		'not_called modprobe' 'not_called insmod' \
		'logged "module: $work/stream.ref is not /proc/vmcore: the module is not used"' 'content d vmcore-dump'
	collect "$sh" STUB_DUMP=fail -- -l -d 31 --filter=device --max-rate 5 --progress --num-threads 2 saved d
	check "$w: vmcore-dump fails: makedumpfile without vmcore-dump's own options; its partial stays d.incomplete" all \
		'[ $rc -eq 0 ]' 'called "vmcore-dump -l -d 31 --filter=device --max-rate 5 --progress --num-threads 2 saved d"' \
		'called "makedumpfile -l -d 31 --num-threads 2 saved d"' \
		'logged "vmcore-dump failed (exit 1): falling back to makedumpfile"' \
		'logged "done: makedumpfile wrote d"' 'content d makedumpfile' 'content d.incomplete partial'
	collect "$sh" STUB_DUMP=usage -- -l -d 31 --eppic x.c saved d
	check "$w: vmcore-dump refuses the options (exit 2): makedumpfile" all \
		'logged "vmcore-dump refused the arguments (exit 2): falling back to makedumpfile"' \
		'called "makedumpfile -l -d 31 --eppic x.c saved d"' 'content d makedumpfile'
	collect "$sh" VMCF_VMCORE_DUMP=/nonexistent STUB_MKDF=fail -- -l -d 31 saved d
	check "$w: no vmcore-dump, makedumpfile fails: exit 1, its partial renamed d.incomplete" all \
		'[ $rc -eq 1 ]' 'not_called vmcore-dump' \
		'logged "vmcore-dump: VMCF_VMCORE_DUMP=/nonexistent is not an executable file: falling back to makedumpfile"' \
		'logged "makedumpfile failed too (exit 1)"' '[ ! -e "$out/d" ]' 'content d.incomplete makedumpfile'
	collect "$sh" STUB_DUMP=fail STUB_MKDF=fail -- -l -d 31 saved d
	check "$w: both fail: makedumpfile's partial removed, vmcore-dump's d.incomplete kept" all \
		'[ $rc -eq 1 ]' '[ ! -e "$out/d" ]' 'content d.incomplete partial' \
		'logged "removed the partial d (d.incomplete stays)"'
	collect "$sh" VMCF_VMCORE_DUMP=/nonexistent VMCF_MAKEDUMPFILE=/nonexistent -- -l -d 31 saved d
	check "$w: neither collector: exit 127" all '[ $rc -eq 127 ]' 'logged "makedumpfile not found either"'
	mkdir -p "$out" && echo old > "$work/old"
	collect "$sh" -- -l -d 31 saved "$work/old"
	check "$w: an existing DUMPFILE is never renamed or removed" all \
		'[ "$(cat "$work/old")" = old ]' '[ ! -e "$work/old.incomplete" ]' '[ $rc -eq 1 ]'
	rm -f "$work/old"
	collect "$sh" -- -F -c -d 31 saved
	check "$w: -F: 3 MB of stream relayed byte for byte" all \
		'[ $rc -eq 0 ]' 'cmp -s "$out/stdout" "$work/stream.ref"' 'logged "done: vmcore-dump wrote the flattened stream"'
	collect "$sh" STUB_DUMP=early -- -F -c -d 31 saved
	check "$w: -F, vmcore-dump fails before its first byte: makedumpfile's stream instead" all \
		'[ $rc -eq 0 ]' 'content stdout mkdf-stream' 'called "makedumpfile -F -c -d 31 saved"'
	collect "$sh" STUB_DUMP=late -- -F -c -d 31 saved
	check "$w: -F, vmcore-dump fails mid-stream: no makedumpfile, exit 1, said why" all \
		'[ $rc -eq 1 ]' 'not_called makedumpfile' '[ "$(wc -c < "$out/stdout")" -eq 100000 ]' \
		'logged "vmcore-dump failed (exit 1) after the flattened stream began"'
	collect "$sh" -- --dump-dmesg saved log.txt
	check "$w: --dump-dmesg: vmcore-dump, the log only" all \
		'called "vmcore-dump --dump-dmesg saved log.txt"' 'logged "keep-bitmap from the log only"'
	collect "$sh" -- --split -d 31 saved a b
	check "$w: --split: every DUMPFILE passed on" called "vmcore-dump --split -d 31 saved a b"
	echo flat > "$work/flat"
	collect "$sh" -- -R "$work/restored" < "$work/flat"
	check "$w: -R goes straight to makedumpfile" all \
		'not_called vmcore-dump' 'called "makedumpfile -R $work/restored"' \
		'[ "$(cat "$work/restored")" = flat ]'
	rm -f "$work/restored"
	collect "$sh" -- --load-module
	check "$w: --load-module outside a capture kernel: nothing to load, exit 0" all \
		'[ $rc -eq 0 ]' 'not_called modprobe' 'logged "module: not a capture kernel (no /proc/vmcore): nothing to load"'
done

# --- the makedumpfile shim ----------------------------------------------------------------

shim=$work/shim
mkdir -p "$shim" "$work/shim2"
cp "$kd/makedumpfile-shim" "$shim/makedumpfile"
cp "$kd/makedumpfile-shim" "$work/shim2/makedumpfile"
chmod 0755 "$shim/makedumpfile" "$work/shim2/makedumpfile"
# shimrun PATH [VAR=VALUE...] -- ARGS: "makedumpfile ARGS" as kdump-config runs it.
shimrun() {
	local p=$1
	shift
	take_envs "$@"
	(cd "$out" && env -i PATH="$p" STUB_CALLS="$calls" STUB_STREAM="$work/stream.ref" VMCF_CONF=/nonexistent \
		"${envs[@]}" timeout 20 dash -c 'makedumpfile "$@"' makedumpfile "${args[@]}" > "$out/stdout" 2> "$out/log")
	rc=$?
	touch "$calls"
}
shimrun "$shim:$work/sbin:$bin:/usr/bin:/bin" -- -F -c -d 31 saved
check "shim: kdump-config's makedumpfile runs vmcf-collect, which runs vmcore-dump" all \
	'[ $rc -eq 0 ]' 'called "vmcore-dump -F -c -d 31 saved"' 'not_called makedumpfile' \
	'cmp -s "$out/stdout" "$work/stream.ref"'
shimrun "$shim:$work/sbin:$bin:/usr/bin:/bin" STUB_DUMP=early -- -F -c -d 31 saved
check "shim: the fallback finds the real makedumpfile, not the shim" all \
	'[ $rc -eq 0 ]' '[ "$(grep -c ^makedumpfile "$calls")" -eq 1 ]' 'content stdout mkdf-stream'
shimrun "$shim:$work/sbin:$work/shim2:$bin:/usr/bin:/bin" STUB_DUMP=early -- -F -c -d 31 saved
check "shim: a second shim in PATH hands over to the real makedumpfile (no loop)" all \
	'[ $rc -eq 0 ]' '[ "$(grep -c ^makedumpfile "$calls")" -eq 1 ]' 'content stdout mkdf-stream'
shimrun "$shim:$bin:/usr/bin:/bin" -- -F -c -d 31 saved
check "shim: without vmcf-collect the real makedumpfile runs, and says so" all \
	'[ $rc -eq 0 ]' 'not_called vmcore-dump' 'called "makedumpfile -F -c -d 31 saved"' \
	'grep -q "vmcf-collect not found: running makedumpfile" "$out/log"'

# --- vmcf-kdump-params -----------------------------------------------------------------------

# mkroot DIR RELEASE SYMBOL(0/1) ONLINE MEM_KB CRASH_BYTES CMDLINE
mkroot() {
	rm -rf "$1"
	mkdir -p "$1/proc/sys/kernel" "$1/sys/devices/system/cpu" "$1/sys/kernel" "$1/boot" "$1/etc/default"
	echo "$2" > "$1/proc/sys/kernel/osrelease"
	{
		echo "ffffffff81000000 T _stext"
		[ "$3" = 0 ] || echo "ffffffff81234560 t apic_kdump_find_bsp"
		echo "ffffffff81234600 T apic_kdump_find_bspx"
	} > "$1/proc/kallsyms"
	echo "$4" > "$1/sys/devices/system/cpu/online"
	echo "MemTotal:       $5 kB" > "$1/proc/meminfo"
	echo "$6" > "$1/sys/kernel/kexec_crash_size"
	echo "BOOT_IMAGE=/vmlinuz $7 quiet" > "$1/proc/cmdline"
}
r=$work/root
mib=1048576
# params SHELL ARGS...: output in $out/stdout
params() {
	local sh=$1
	shift
	out=$work/params
	mkdir -p "$out"
	$sh "$kd/vmcf-kdump-params" --root "$r" "$@" > "$out/stdout" 2> "$out/log"
	rc=$?
	touch "$calls"
}
says() { grep -qxF -- "$1" "$out/stdout"; }
debian_defaults() {
	printf '%s\n' 'USE_KDUMP=1' '#KDUMP_CMDLINE_APPEND="reset_devices nr_cpus=1 irqpoll"' \
		'KDUMP_COREDIR="/var/crash"' > "$r/etc/default/kdump-tools"
}
active_lines() { grep -c "^[[:space:]]*$1=" "$2"; }
value_of() { (set +u; . "$2"; eval "echo \"\$$1\""); }

for sh in "${shells[@]}"; do
	w="vmcf-kdump-params ($sh)"
	mkroot "$r" 6.1.192+ 1 0-7 2097152 $((128 * mib)) "crashkernel=384M-:128M"
	params "$sh"
	check "$w: patched 6.1 (kallsyms): safe, nr_cpus=4 of 8, keeps crashkernel=128M" all \
		'[ $rc -eq 0 ]' 'says kernel=6.1.192+' 'says smp_safe=yes' 'says cpus=8' 'says nr_cpus=4' \
		'says "reason=carries the BSP patch (apic_kdump_find_bsp in $r/proc/kallsyms)"' \
		'says crashkernel_now=128M' 'says crashkernel=128M'
	mkroot "$r" 6.1.192+ 0 0-7 2097152 $((128 * mib)) ""
	params "$sh"
	check "$w: stock 6.1: nr_cpus=1, crashkernel not raised" all \
		'says smp_safe=no' 'says nr_cpus=1' 'says crashkernel=128M' \
		'says "reason=Linux 6.1 is older than 6.9 and lacks the BSP patch (no apic_kdump_find_bsp in $r/proc/kallsyms)"'
	for v in 6.8.12-amd64:no 6.9.0:yes 6.10-rc1:yes 6.12.57+deb13-amd64:yes 5.10.0-30-amd64:no 7.0.1:yes; do
		mkroot "$r" "${v%:*}" 0 0-3 2097152 0 ""
		params "$sh"
		check "$w: running ${v%:*} without the patch: smp_safe=${v#*:}" says "smp_safe=${v#*:}"
	done
	mkroot "$r" 6.12.0 0 0-3 2097152 0 ""
	params "$sh" --arch aarch64
	check "$w: aarch64 6.12: nr_cpus=1 (only x86 is judged)" all 'says smp_safe=no' 'says nr_cpus=1'
	mkroot "$r" 6.12.0 0 0-3 2097152 0 ""
	echo "ffffffff81234560 T apic_kdump_find_bsp" > "$r/boot/System.map-6.1.0-28-amd64"
	params "$sh" --kernel 6.1.0-28-amd64
	check "$w: --kernel with the patch in its System.map: safe" all 'says kernel=6.1.0-28-amd64' 'says smp_safe=yes' \
		'says "reason=carries the BSP patch (apic_kdump_find_bsp in $r/boot/System.map-6.1.0-28-amd64)"'
	params "$sh" --kernel 6.1.0-29-amd64
	check "$w: --kernel without a System.map: unsafe, says why" all 'says smp_safe=no' 'says nr_cpus=1' \
		'grep -q "^reason=Linux 6.1 is older than 6.9 and there is no symbol table" "$out/stdout"'
	debian_defaults
	echo 'KDUMP_KERNEL=/boot/vmlinuz-6.1.0-28-amd64' >> "$r/etc/default/kdump-tools"
	params "$sh"
	check "$w: KDUMP_KERNEL in /etc/default/kdump-tools names the capture kernel" all \
		'says kernel=6.1.0-28-amd64' 'says smp_safe=yes'
	mkroot "$r" 6.12.0 0 0,2-3 2097152 0 ""
	params "$sh"
	check "$w: online 0,2-3 is 3 CPUs; no reservation known" all 'says cpus=3' 'says nr_cpus=3' \
		'says crashkernel_now=unknown' 'says crashkernel=96M'
	mkroot "$r" 6.12.0 0 0-15 2097152 $((128 * mib)) ""
	params "$sh" --max-cpus 8
	check "$w: --max-cpus 8 with 128M reserved: nr_cpus=7 fits, and 144M is what 8 need" all \
		'says nr_cpus=7' 'says crashkernel=144M' \
		'says "note=crashkernel=128M holds nr_cpus=7, not 8: reserve 144M for that"'
	mkroot "$r" 6.12.0 0 0-63 $((1024 * 1048576)) 0 ""
	params "$sh"
	check "$w: 1 TiB of RAM: nothing added for RAM size: crashkernel=112M for nr_cpus=4" all 'says nr_cpus=4' 'says crashkernel=112M'
	for c in "crashkernel=384M-:128M 2048 128M" "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M 8192 256M" \
		"crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M 131072 512M" "crashkernel=256M,high 2048 256M" \
		"crashkernel=512M@16M 2048 512M" "crashkernel=2G-:1G 4096 1024M" "crashkernel=auto 2048 unknown" \
		"nothing 2048 unknown"; do
		set -- $c
		mkroot "$r" 6.12.0 0 0-3 $(($2 * 1024)) 0 "$1"
		params "$sh"
		check "$w: $1 with $2 MiB of RAM: crashkernel_now=$3" says "crashkernel_now=$3"
	done

	# --apply on kdump-tools' file
	mkroot "$r" 6.1.192+ 1 0-7 2097152 $((128 * mib)) ""
	debian_defaults
	chmod 0600 "$r/etc/default/kdump-tools"
	params "$sh" --apply
	f=$r/etc/default/kdump-tools
	check "$w: --apply (Debian): kdump-config's default KDUMP_CMDLINE_APPEND with nr_cpus=4" all \
		'[ "$(value_of KDUMP_CMDLINE_APPEND "$f")" = "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=4 irqpoll usbcore.nousb" ]' \
		'[ "$(active_lines KDUMP_CMDLINE_APPEND "$f")" -eq 1 ]' '[ "$(stat -c %a "$f")" = 600 ]' \
		'says "$f: KDUMP_CMDLINE_APPEND now has nr_cpus=4"'
	cp "$f" "$work/before"
	params "$sh" --apply
	check "$w: --apply again: the file is unchanged" all 'cmp -s "$f" "$work/before"' \
		'says "$f: KDUMP_CMDLINE_APPEND already has nr_cpus=4"'
	grep -v apic_kdump_find_bsp "$r/proc/kallsyms" > "$work/ks" && cat "$work/ks" > "$r/proc/kallsyms"
	params "$sh" --apply --quiet
	check "$w: --apply after booting stock 6.1: back to nr_cpus=1, same line, --quiet" all \
		'[ "$(value_of KDUMP_CMDLINE_APPEND "$f")" = "reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb" ]' \
		'[ "$(active_lines KDUMP_CMDLINE_APPEND "$f")" -eq 1 ]' \
		'[ "$(cat "$out/stdout")" = "$f: KDUMP_CMDLINE_APPEND now has nr_cpus=1" ]'
	mkroot "$r" 6.12.0 0 0-1 2097152 0 ""
	printf '%s\n' 'KDUMP_CMDLINE_APPEND="irqpoll module.sig_enforce=1"' > "$f"
	params "$sh" --apply
	check "$w: --apply to a quoted line without nr_cpus: added inside the quotes" \
		[ "$(value_of KDUMP_CMDLINE_APPEND "$f")" = "irqpoll module.sig_enforce=1 nr_cpus=2" ]
	printf '%s\n' 'KDUMP_CMDLINE_APPEND=irqpoll' > "$f"
	params "$sh" --apply
	check "$w: --apply to an unquoted value: quoted" \
		[ "$(value_of KDUMP_CMDLINE_APPEND "$f")" = "irqpoll nr_cpus=2" ]
	# --apply on kdumpctl's file
	rm -f "$f"
	mkdir -p "$r/etc/sysconfig"
	f=$r/etc/sysconfig/kdump
	printf '%s\n' 'KDUMP_COMMANDLINE_REMOVE="hugepages hugepagesz slub_debug quiet"' \
		'KDUMP_COMMANDLINE_APPEND="irqpoll nr_cpus=1 reset_devices cgroup_disable=memory"' > "$f"
	params "$sh" --apply
	check "$w: --apply (Fedora): nr_cpus=2 in APPEND, nr_cpus in REMOVE" all \
		'[ "$(value_of KDUMP_COMMANDLINE_APPEND "$f")" = "irqpoll nr_cpus=2 reset_devices cgroup_disable=memory" ]' \
		'[ "$(value_of KDUMP_COMMANDLINE_REMOVE "$f")" = "hugepages hugepagesz slub_debug quiet nr_cpus" ]'
	cp "$f" "$work/before"
	params "$sh" --apply
	check "$w: --apply (Fedora) again: unchanged" cmp -s "$f" "$work/before"
	: > "$f"
	params "$sh" --apply
	check "$w: --apply (Fedora) to an empty file: both variables written" all \
		'[ "$(value_of KDUMP_COMMANDLINE_APPEND "$f")" = "irqpoll nr_cpus=2 reset_devices" ]' \
		'[ "$(value_of KDUMP_COMMANDLINE_REMOVE "$f")" = "hugepages hugepagesz slub_debug nr_cpus" ]'
	rm -f "$f"
	# --apply-crashkernel
	mkroot "$r" 6.12.0 0 0-7 2097152 $((64 * mib)) ""
	debian_defaults
	g=$r/etc/default/grub.d/zz-vmcore_filter.cfg
	params "$sh" --apply-crashkernel
	check "$w: --apply-crashkernel with 64M reserved: nr_cpus=1 now, 112M for GRUB" all \
		'says nr_cpus=1' 'says crashkernel=112M' \
		'grep -qx "GRUB_CMDLINE_LINUX_DEFAULT=\"\\\$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=112M\"" "$g"' \
		'says "note=crashkernel=64M is below the 80M recommended for one capture CPU"'
	params "$sh" --apply-crashkernel
	check "$w: --apply-crashkernel again: already there" says "$g: already crashkernel=112M"
	rm -f "$g"
	mkroot "$r" 6.1.192+ 0 0-7 2097152 $((64 * mib)) ""
	debian_defaults
	params "$sh" --apply-crashkernel
	check "$w: --apply-crashkernel on stock 6.1: nothing raised" all '[ ! -e "$g" ]' \
		'says "crashkernel: not raised for a kernel that keeps nr_cpus=1"'
	touch "$r/proc/vmcore"
	cp "$r/etc/default/kdump-tools" "$work/before"
	params "$sh" --apply
	check "$w: --apply in a capture kernel: nothing changed" all 'cmp -s "$r/etc/default/kdump-tools" "$work/before"' \
		'says "vmcf-kdump-params: this is a capture kernel: nothing to apply"'
	params "$sh" --bogus
	check "$w: an unknown option: exit 2" [ $rc -eq 2 ]
done

# --- make install / uninstall ------------------------------------------------------------------

inst=$work/inst
stage_ok=1
if ! make -s -C "$top" install DESTDIR="$inst" PREFIX=/usr > "$work/install.log" 2>&1; then
	fail "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/  | /' "$work/install.log"
	stage_ok=0
fi
share=$inst/usr/share/vmcore_filter/kdump
mode() { [ "$(stat -c %a "$inst$1")" = "$2" ]; }
if [ $stage_ok = 1 ]; then
	for x in /usr/sbin/vmcf-collect:755 /usr/sbin/vmcf-kdump-params:755 \
		/usr/libexec/vmcore_filter/kdump-tools/makedumpfile:755 \
		/usr/share/vmcore_filter/kdump/debian/initramfs-tools-hook:755 \
		/usr/share/vmcore_filter/kdump/fedora/dracut/90vmcore_filter/module-setup.sh:755 \
		/usr/share/vmcore_filter/kdump/debian/default-kdump-tools:644 \
		/usr/share/vmcore_filter/kdump/debian/kdump-tools.service.d.conf:644 \
		/usr/share/vmcore_filter/kdump/debian/modprobe-zero-mode.conf:644 \
		/usr/share/vmcore_filter/kdump/fedora/kdump.conf:644 \
		/usr/share/vmcore_filter/kdump/fedora/kdump.service.d.conf:644 \
		/usr/share/vmcore_filter/kdump/collect.conf:644; do
		expect "make install: ${x%:*} (mode ${x#*:})" mode "${x%:*}" "${x#*:}"
	done
	expect "make install PREFIX=/usr: no /usr/local/sbin or /usr/local/libexec left in the kdump files" \
		bash -c '! grep -rqE "/usr/local/(sbin|libexec)" "$1"' _ "$share"
	pathline=$(sed -n 's/^PATH=//p' "$share/debian/default-kdump-tools")
	expect "the kdump-tools snippet's PATH starts with the shim's directory and has no \$ (systemd reads it)" \
		bash -c '[ "${1%%:*}" = /usr/libexec/vmcore_filter/kdump-tools ] && [ "${1#*\$}" = "$1" ]' _ "$pathline"
	for u in debian/kdump-tools.service.d.conf fedora/kdump.service.d.conf; do
		execs=$(sed -n 's/^ExecStartPre=-//p' "$share/$u" | cut -d' ' -f1)
		ok_execs=1
		for e in $execs; do [ -x "$inst$e" ] || ok_execs=0; done
		expect "$u: a [Service] section whose ExecStartPre programs are installed ($(echo $execs))" \
			bash -c '[ "$1" = 1 ] && [ -n "$2" ] && grep -qx "\[Service\]" "$3"' _ $ok_execs "$execs" "$share/$u"
	done
	expect "kdump.conf's core_collector is the installed vmcf-collect with makedumpfile's flags" \
		grep -qx "core_collector /usr/sbin/vmcf-collect -l --message-level 7 -d 31" "$share/fedora/kdump.conf"
	expect "the zero-change modprobe.d line" grep -qx "options vmcore_filter zero_level=31" \
		"$share/debian/modprobe-zero-mode.conf"
	make -s -C "$top" install DESTDIR="$work/inst-local" > /dev/null 2>&1
	expect "make install with the default PREFIX leaves the snippets as they are" \
		diff -r "$kd/debian" "$work/inst-local/usr/local/share/vmcore_filter/kdump/debian"
	make -s -C "$top" uninstall DESTDIR="$work/inst-local" > /dev/null 2>&1
	left=$(find "$work/inst-local" -type f | grep -E 'vmcf-|/vmcore_filter/(kdump|kdump-tools)/' || :)
	expect "make uninstall removes every kdump file${left:+ (left: $left)}" [ -z "$left" ]
fi

# --- the initramfs-tools hook -------------------------------------------------------------------

kver=6.1.192+
ko=$top/build/modules/6.1-patched/module/vmcore_filter.ko
modroot=$work/modroot
if [ ! -f "$ko" ]; then
	fail "initramfs hook and dracut module: $ko exists (make module)"
elif [ $stage_ok = 1 ]; then
	install -D -m 0644 "$ko" "$modroot/lib/modules/$kver/updates/dkms/vmcore_filter.ko"
	(. "$top/selftests/lib/kdump-stubs.sh" && vmcf_stub_depmod "$modroot" "$kver") > /dev/null 2>&1
	real=/usr/share/initramfs-tools/hook-functions
	[ -f "$real" ] || real=
	echo "  initramfs-tools hook-functions: ${real:-stand-ins (initramfs-tools is not installed)}"
	hook=$share/debian/initramfs-tools-hook
	expect "hook: prereqs prints nothing" [ "$(dash "$hook" prereqs)" = "" ]
	d=$work/initramfs
	rm -rf "$d" && mkdir -p "$d"
	env CONFDIR=/etc/initramfs-tools DESTDIR="$d" version=$kver dash "$hook" > "$work/hook.log" 2>&1
	expect "hook: a normal initramfs (CONFDIR /etc/initramfs-tools) gets nothing" \
		bash -c '[ -z "$(ls -A "$1")" ]' _ "$d"
	hookrun() {
		env CONFDIR=/var/lib/kdump/initramfs-tools DESTDIR="$d" version=$kver verbose=n \
			VMCF_SBINDIR="$inst/usr/sbin" VMCF_HOOK_FUNCTIONS="$top/selftests/lib/kdump-stubs.sh" \
			VMCF_REAL_HOOK_FUNCTIONS="$real" VMCF_MODROOT="$1" VMCF_STUB_LOG="$work/hook-calls" \
			dash "$hook" > "$work/hook.log" 2>&1
	}
	hookrun "$modroot"
	expect "hook: kdump-tools' initrd build succeeds" [ $? -eq 0 ]
	expect "hook: vmcf-collect in the initrd, executable" [ -x "$d/usr/sbin/vmcf-collect" ]
	expect "hook: vmcore-dump in the initrd, executable" [ -x "$d/usr/sbin/vmcore-dump" ]
	expect "hook: vmcore-dump's libraries (libzstd)" bash -c 'ls "$1"/lib*/*/libzstd.so.* "$1"/usr/lib*/*/libzstd.so.* 2>/dev/null | grep -q .' _ "$d"
	expect "hook: vmcore_filter.ko, where modules.dep says" \
		bash -c 'ls "$1"/lib/modules/"$2"/updates/dkms/vmcore_filter.ko "$1"/usr/lib/modules/"$2"/updates/dkms/vmcore_filter.ko 2>/dev/null | grep -q .' \
		_ "$d" "$kver"
	expect "hook: no warning when everything is there" bash -c '! grep -q "^W:" "$1"' _ "$work/hook.log"
	rm -rf "$d" && mkdir -p "$d" "$work/empty/lib/modules/$kver"
	hookrun "$work/empty"
	expect "hook: no module for the kernel: a warning, not a failure" \
		bash -c '[ $1 -eq 0 ] && grep -q "W: vmcore_filter: no vmcore_filter module for $2: the collector will use its userspace classifier" "$3"' \
		_ $? "$kver" "$work/hook.log"

	# --- the dracut module
	setup=$share/fedora/dracut/90vmcore_filter/module-setup.sh
	expect "dracut module: make install wrote the sbin path in" \
		grep -qx 'vmcf_sbindir=${VMCF_SBINDIR:-/usr/sbin}' "$setup"
	dracut() {	# dracut MODROOT IN_KDUMP FUNCTION...: sets rc
		local mr=$1 ik=$2
		shift 2
		rm -rf "$d" "$work/dracut-calls"
		mkdir -p "$d"
		(
			export VMCF_SYSROOT=$inst VMCF_MODROOT=$mr VMCF_STUB_LOG=$work/dracut-calls
			export initdir=$d kernel=$kver
			[ -z "$ik" ] || export IN_KDUMP=1
			. "$top/selftests/lib/kdump-stubs.sh"
			. "$setup"
			for fn; do "$fn"; echo "$fn=$?"; done
		) > "$work/dracut.log" 2>&1
	}
	dracut "$modroot" "" check
	expect "dracut module: check without IN_KDUMP says 'only on request' (255)" grep -qx "check=255" "$work/dracut.log"
	dracut "$modroot" 1 check depends installkernel install
	expect "dracut module: check in mkdumprd (IN_KDUMP=1) says 'include' (0)" grep -qx "check=0" "$work/dracut.log"
	expect "dracut module: depends on base" grep -qx "base" "$work/dracut.log"
	expect "dracut module: installkernel and install succeed" \
		bash -c 'grep -qx "installkernel=0" "$1" && grep -qx "install=0" "$1"' _ "$work/dracut.log"
	expect "dracut module: the module is installed even though the host never loads it (hostonly='')" \
		grep -qx "instmods vmcore_filter (hostonly='')" "$work/dracut-calls"
	expect "dracut module: vmcore_filter.ko and modules.dep in the image" \
		grep -q '^updates/dkms/vmcore_filter.ko:' "$d/lib/modules/$kver/modules.dep"
	expect "dracut module: vmcf-collect and vmcore-dump at their installed paths" \
		bash -c '[ -x "$1/usr/sbin/vmcf-collect" ] && [ -x "$1/usr/sbin/vmcore-dump" ]' _ "$d"
	expect "dracut module: what vmcf-collect runs (mkfifo dd cat mv rm modprobe insmod makedumpfile)" \
		grep -qx "inst_multiple -o mkfifo dd cat mv rm modprobe insmod makedumpfile" "$work/dracut-calls"
	dracut "$work/empty" 1 installkernel
	expect "dracut module: no module for the kernel: a warning, installkernel still succeeds" \
		bash -c 'grep -qx "installkernel=0" "$1" && grep -q "no vmcore_filter module for kernel" "$1"' _ "$work/dracut.log"
	VMCF_SBINDIR=/nonexistent dracut "$modroot" 1 check
	expect "dracut module: check fails without the programs" grep -qx "check=1" "$work/dracut.log"
fi
