# SPDX-License-Identifier: GPL-2.0
#
# Stand-ins for the initramfs builders' helper functions, so that the
# vmcore_filter initramfs-tools hook and dracut module (scripts/kdump/) can
# run without initramfs-tools or dracut (sourced; POSIX sh and bash).  They
# copy what they are asked for from VMCF_SYSROOT (default /) into the
# image directory, with the libraries ldd names, and record every call in
# VMCF_STUB_LOG.  Modules come from VMCF_MODROOT/lib/modules/KVER, found as
# the real tools find them: modprobe --show-depends on its modules.dep.
#
#   initramfs-tools: DESTDIR, version; copy_file, copy_exec,
#                    manual_add_modules, modinfo.  With
#                    VMCF_REAL_HOOK_FUNCTIONS set, that file (Debian's
#                    hook-functions) is sourced first and only the module
#                    lookups are replaced.
#   dracut:          initdir, kernel; inst_simple, inst_script, inst_binary,
#                    inst_multiple (installs only with
#                    VMCF_STUB_INST_MULTIPLE=1), instmods, require_binaries,
#                    dwarn, dinfo.

# Set by the caller, as the real builders set them.
# shellcheck disable=SC2154
: "${DESTDIR-}" "${version-}" "${initdir-}" "${kernel-}"

vmcf_stub_log() { echo "$*" >> "${VMCF_STUB_LOG:-/dev/null}"; }

# vmcf_stub_copy SRC DEST IMAGE_ROOT: 0 copied, 1 already there, 2 no SRC.
vmcf_stub_copy() {
	[ -f "${VMCF_SYSROOT:-}$1" ] || return 2
	[ -e "$3$2" ] && return 1
	mkdir -p "$3${2%/*}"
	cp -pL "${VMCF_SYSROOT:-}$1" "$3$2"
}

vmcf_stub_libs() {	# vmcf_stub_libs BINARY IMAGE_ROOT
	for lib in $(ldd "${VMCF_SYSROOT:-}$1" 2>/dev/null | grep -o '/[^ ]*' || :); do
		[ -e "$2$lib" ] || { mkdir -p "$2${lib%/*}"; cp -pL "$lib" "$2$lib"; }
	done
}

# vmcf_stub_depmod ROOT KVER: modules.dep for ROOT/lib/modules/KVER (with
# the files depmod warns about when they are missing).
vmcf_stub_depmod() {
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -e "$1/lib/modules/$2/$f" ] || : > "$1/lib/modules/$2/$f"
	done
	depmod -b "$1" "$2"
}

# Module paths (relative to VMCF_MODROOT) that modprobe would insmod.
vmcf_stub_module_paths() {	# KVER NAME...
	kv=$1
	shift
	modprobe -d "$VMCF_MODROOT" --set-version="$kv" --ignore-install --show-depends "$@" 2>/dev/null |
		while read -r verb path _; do
			[ "$verb" = insmod ] && echo "${path#"$VMCF_MODROOT"}"
		done
}

# --- initramfs-tools ---------------------------------------------------------

if [ -n "${VMCF_REAL_HOOK_FUNCTIONS:-}" ]; then
	# shellcheck source=/dev/null
	. "$VMCF_REAL_HOOK_FUNCTIONS"
else
	copy_file() {	# TYPE SRC [DEST]
		vmcf_stub_log "copy_file $*"
		dst=${3:-$2}
		case $dst in */) dst=$dst${2##*/} ;; esac
		[ ! -d "$DESTDIR$dst" ] || dst=$dst/${2##*/}
		vmcf_stub_copy "$2" "$dst" "$DESTDIR"
	}
	copy_exec() {	# SRC [DEST]
		vmcf_stub_log "copy_exec $*"
		vmcf_stub_copy "$1" "${2:-$1}" "$DESTDIR"
		rc=$?
		[ $rc -ne 2 ] || return 1
		vmcf_stub_libs "$1" "$DESTDIR"
	}
fi

manual_add_modules() {
	vmcf_stub_log "manual_add_modules $*"
	for m in $(vmcf_stub_module_paths "$version" "$@"); do
		mkdir -p "$DESTDIR${m%/*}"
		cp -p "$VMCF_MODROOT$m" "$DESTDIR$m"
	done
}

modinfo() { command modinfo -b "$VMCF_MODROOT" "$@"; }

# --- dracut ----------------------------------------------------------------------

dwarn() { echo "dracut: W: $*" >&2; }
dinfo() { echo "dracut: I: $*" >&2; }

inst_simple() {		# SRC [DEST]
	vmcf_stub_log "inst_simple $*"
	vmcf_stub_copy "$1" "${2:-$1}" "$initdir"
	[ $? -ne 2 ]
}

inst_script() {
	vmcf_stub_log "inst_script $*"
	vmcf_stub_copy "$1" "${2:-$1}" "$initdir"
	[ $? -ne 2 ]
}

inst_binary() {
	vmcf_stub_log "inst_binary $*"
	vmcf_stub_copy "$1" "${2:-$1}" "$initdir"
	[ $? -ne 2 ] || return 1
	vmcf_stub_libs "$1" "$initdir"
}

inst_multiple() {	# [-o] NAME...: programs from PATH
	vmcf_stub_log "inst_multiple $*"
	optional=0
	if [ "$1" = -o ]; then optional=1; shift; fi
	[ "${VMCF_STUB_INST_MULTIPLE:-0}" = 1 ] || return 0
	sysroot=${VMCF_SYSROOT:-}
	VMCF_SYSROOT=
	for p; do
		if ! path=$(command -v "$p"); then
			[ $optional = 1 ] && continue
			VMCF_SYSROOT=$sysroot
			return 1
		fi
		inst_binary "$path"
	done
	VMCF_SYSROOT=$sysroot
}

instmods() {		# NAME...: modules of $kernel
	vmcf_stub_log "instmods $* (hostonly='${hostonly-}')"
	found=$(vmcf_stub_module_paths "$kernel" "$@")
	[ -n "$found" ] || return 1
	for m in $found; do
		mkdir -p "$initdir${m%/*}"
		cp -p "$VMCF_MODROOT$m" "$initdir$m"
	done
	vmcf_stub_depmod "$initdir" "$kernel"
}

require_binaries() {
	vmcf_stub_log "require_binaries $*"
	for p; do
		[ -x "${VMCF_SYSROOT:-}$p" ] || return 1
	done
}
