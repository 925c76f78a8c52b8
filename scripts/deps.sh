#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install from Debian's apt whatever the project needs and the machine lacks.
# Idempotent: a machine that has everything is left alone and apt is not called.
set -euo pipefail

packages=(
	# kernel sources and build tools
	linux-source-6.1 linux-source-6.12
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils kmod
	git perl python3
	# guest and capture
	qemu-system-x86 kexec-tools busybox-static e2fsprogs
	# readers and the baseline collector
	crash makedumpfile python3-drgn libkdumpfile-dev
	# compression and test libraries for the collector and the classifier
	liblzo2-dev libsnappy-dev libzstd-dev zlib1g-dev clang
	# packaging; shellcheck for the kdump scripts (selftests/85-kdump-scripts.t)
	dkms shellcheck
	# documentation (make docs, selftests/05-docs.t)
	python3-sphinx
	# instruction counts (scripts/bench-classify-instructions.sh)
	valgrind
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: must run as root to install packages" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# dkms pulls in headers for the running distro kernel: not needed, keep it lean.
apt-get install -y -qq --no-install-recommends "${missing[@]}"
