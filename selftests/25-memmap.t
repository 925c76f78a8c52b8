#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Finding struct pages (module/vmcf_memmap.c) and the userspace filter
# (tools/userspace_filter.c):
#  - unit tests on synthetic page tables, mem_section arrays and an ELF
#    vmcore, under ASan/UBSan (selftests/unit/memmap_test.c);
#  - vmcore_filter.ko builds with W=1 and no warning against every kernel
#    in build/kernels/, and its sources are checkpatch --strict clean;
#  - on each saved vmcore in build/testdumps/<version>/ (or $VMCF_TESTDUMPS),
#    build/unit/vmcf-classify agrees with drgn's ground truth
#    (selftests/lib/drgn_page_truth.py): free, file and slab page counts
#    within 1%, the workload's pattern pages are user or hugetlb (dropped
#    at -d 8), every task_struct slab page is slab and kept at -d 31.
# Prints ok / not ok / skip lines for selftests/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1

out=build/unit
mkdir -p "$out"
status=0
# 10-harness.t leaves one full vmcore per kernel there.
dumps=${VMCF_TESTDUMPS:-build/testdumps}
checkpatch=$(ls -d build/kernels/6.1-stock/scripts/checkpatch.pl 2>/dev/null)
drgn_python=/usr/bin/python3

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; status=1; }
skip() { echo "skip - $*"; }

# --- unit tests ---------------------------------------------------------
lib_src="module/vmcf_memmap.c module/vmcf_classify.c tools/userspace_filter.c
	tools/elfcore.c tools/vmcoreinfo.c tools/vmcf_error.c"
# shellcheck disable=SC2086	# lists of words
if cc -std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -pthread -Imodule -Itools \
	-o "$out/memmap_test" selftests/unit/memmap_test.c $lib_src \
	> "$out/memmap_test.log" 2>&1; then
	"$out/memmap_test" || status=1
else
	echo "not ok - memmap unit tests build"
	sed 's/^/# /' "$out/memmap_test.log"
	exit 1
fi

# The host tool, optimised: it is also the userspace benchmark.
# shellcheck disable=SC2086
if ! cc -std=c11 -O2 -g -Wall -Wextra -pthread -Imodule -Itools \
	-o "$out/vmcf-classify" tools/vmcf-classify.c $lib_src \
	> "$out/vmcf-classify.log" 2>&1; then
	echo "not ok - vmcf-classify build"
	sed 's/^/# /' "$out/vmcf-classify.log"
	exit 1
fi
if grep -q 'warning:' "$out/vmcf-classify.log"; then
	fail "vmcf-classify builds without warnings"
	sed 's/^/# /' "$out/vmcf-classify.log"
else
	ok "vmcf-classify builds without warnings"
fi

# --- the module -----------------------------------------------------------
mine="module/vmcf_memmap.c module/vmcf_memmap.h module/vmcf_module.h
	module/vmcf_vmcore.c module/vmcf_oldmem.c module/vmcf_scan.c
	module/vmcore_filter_main.c"
if [ -f "$checkpatch" ]; then
	# shellcheck disable=SC2086
	if perl "$checkpatch" --strict --no-tree --quiet -f $mine \
		> "$out/checkpatch.log" 2>&1; then
		ok "module sources are checkpatch --strict clean"
	else
		fail "module sources are checkpatch --strict clean"
		sed 's/^/# /' "$out/checkpatch.log"
	fi
else
	skip "checkpatch: $checkpatch missing"
fi

nkernels=0
for kdir in build/kernels/*; do
	[ -f "$kdir/Module.symvers" ] || continue
	nkernels=$((nkernels + 1))
	name=$(basename "$kdir")
	# A copy: the kernel build writes objects next to the sources, and
	# others may build module/ at the same time.
	tree=$out/kmod/$name
	rm -rf "$tree"
	mkdir -p "$tree"
	cp -r module include "$tree/"
	log=$out/kmod-$name.log
	if make -C "$kdir" M="$PWD/$tree/module" W=1 modules > "$log" 2>&1 &&
		[ -f "$tree/module/vmcore_filter.ko" ]; then
		if grep -q 'warning:' "$log"; then
			fail "module builds against $name with W=1 and no warning"
			grep -A3 'warning:' "$log" | sed 's/^/# /'
		else
			ok "module builds against $name with W=1 and no warning"
		fi
	else
		fail "module builds against $name"
		tail -n 30 "$log" | sed 's/^/# /'
	fi
done
[ $nkernels -gt 0 ] || skip "module build: no kernel in build/kernels"

# --- saved vmcores against drgn -----------------------------------------------
# check_dump VERSION: classify $dumps/VERSION/vmcore and compare.
check_dump() {
	local v=$1 d=$dumps/$1 w=$out/dump-$1 vmlinux
	mkdir -p "$w"
	vmlinux=$(readlink -f "$d/vmlinux")
	if [ ! -f "$vmlinux" ]; then
		skip "$v: classifier on a saved vmcore: no vmlinux"
		return
	fi
	case "$v" in
	6.1) ;;
	*)	# drgn 0.0.22 trips over 6.12's ORC entries: drop them (a copy).
		if ! objcopy -R .orc_unwind -R .orc_unwind_ip -R .orc_header \
			"$vmlinux" "$w/vmlinux"; then
			skip "$v: classifier on a saved vmcore: objcopy failed"
			return
		fi
		vmlinux=$w/vmlinux ;;
	esac
	[ -f "$d/README" ] && sed 's/^/# workload: /' "$d/README" | head -n 20

	if ! "$out/vmcf-classify" --time --classes "$w/classes" -d 31 \
		--bitmap "$w/keep31" "$d/vmcore" > "$w/counts" 2> "$w/classify.err"; then
		fail "$v: vmcf-classify runs on the saved vmcore"
		sed 's/^/# /' "$w/classify.err"
		return
	fi
	if ! "$out/vmcf-classify" -d 8 --bitmap "$w/keep8" "$d/vmcore" \
		> /dev/null 2>> "$w/classify.err"; then
		fail "$v: vmcf-classify -d 8 runs on the saved vmcore"
		return
	fi
	ok "$v: vmcf-classify runs on the saved vmcore"
	sed 's/^/# classify: /' "$w/counts" "$w/classify.err"

	if ! "$drgn_python" selftests/lib/drgn_page_truth.py "$vmlinux" \
		"$d/vmcore" --pattern-pfns "$w/pattern" --task-pfns "$w/tasks" \
		> "$w/truth" 2> "$w/truth.err"; then
		skip "$v: drgn ground truth: drgn_page_truth.py failed"
		sed 's/^/# /' "$w/truth.err" | tail -n 10
		return
	fi
	sed 's/^/# truth: /' "$w/truth"

	"$drgn_python" selftests/lib/check_classes.py "$v" "$w" "$d/mkdf31" || status=1
}

for v in 6.1 6.12; do
	if [ -f "$dumps/$v/vmcore" ]; then
		check_dump "$v"
	else
		skip "$v: classifier against drgn: no saved vmcore"
	fi
done
exit $status
