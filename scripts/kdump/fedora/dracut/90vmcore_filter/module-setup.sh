#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dracut module "vmcore_filter": vmcf-collect, vmcore-dump and
# vmcore_filter.ko in kdump's initramfs, where kdumpctl's capture kernel runs
# its core_collector.  Install as
# /usr/lib/dracut/modules.d/90vmcore_filter/module-setup.sh.
#
# mkdumprd builds kdump's initramfs with IN_KDUMP=1: the module then joins on
# its own, so /etc/kdump.conf needs only its core_collector line.  Other
# initramfs images get it only when asked (dracut --add vmcore_filter).

# Where the programs are installed; make install writes its PREFIX here.
# They go to the same paths in the initramfs, so an absolute core_collector
# path in /etc/kdump.conf works there too.
vmcf_sbindir=${VMCF_SBINDIR:-/usr/local/sbin}

check() {
	[[ -n ${IN_KDUMP-} ]] || return 255
	require_binaries "$vmcf_sbindir/vmcf-collect" "$vmcf_sbindir/vmcore-dump" || return 1
	return 0
}

depends() {
	# base: the shell, modprobe and insmod
	echo base
	return 0
}

installkernel() {
	# The module refuses to load outside a capture kernel, so it is never
	# loaded on the host, and a host-only image would leave it out.
	hostonly='' instmods vmcore_filter ||
		dwarn "vmcore_filter: no vmcore_filter module for kernel ${kernel-?}: the collector will use its userspace classifier"
}

install() {
	inst_script "$vmcf_sbindir/vmcf-collect" "$vmcf_sbindir/vmcf-collect"
	inst_binary "$vmcf_sbindir/vmcore-dump" "$vmcf_sbindir/vmcore-dump"
	# What vmcf-collect runs: the -F relay, the module loaders and the
	# fallback collector.
	inst_multiple -o mkfifo dd cat mv rm modprobe insmod makedumpfile
	local f
	for f in /etc/vmcore_filter/collect.conf /etc/modprobe.d/vmcore_filter.conf; do
		if [[ -f $f ]]; then
			inst_simple "$f"
		fi
	done
	return 0
}
