#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Finding struct pages (module/vmcf_memmap.c) and the userspace filter
# (tools/userspace_filter.c):
#  - unit tests on synthetic page tables, mem_section arrays and an ELF
#    vmcore, under ASan/UBSan (selftests/unit/memmap_test.c);
#  - vmcore_filter.ko builds with W=1 and no warning against every kernel
#    in build/kernels/, and its sources are checkpatch --strict clean;
#  - on each saved vmcore in /work/testdumps/<version>/ (or $VMCF_TESTDUMPS),
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
dumps=${VMCF_TESTDUMPS:-/work/testdumps}
checkpatch=/var/cache/vmcore_filter/src-6.1-6.1.192-2/scripts/checkpatch.pl
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
# check_dump VERSION: classify /work/testdumps/VERSION/vmcore and compare.
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

	"$drgn_python" - "$v" "$w" "$d/mkdf31" <<'EOF' || status=1
import sys

v, w, mkdf = sys.argv[1], sys.argv[2], sys.argv[3]
names = ["free", "cache", "cache_private", "user", "hugetlb", "offline",
         "hwpoison", "unaccepted", "slab", "pgtable", "reserved", "kernel",
         "corrupt"]


def kv(path):
    d = {}
    for line in open(path):
        k, _, val = line.strip().partition(" ")
        d[k] = val
    return d


ours, truth = kv(w + "/counts"), kv(w + "/truth")
n = {k: int(ours[k]) for k in names}
t = {k: int(val) for k, val in truth.items() if val.lstrip("-").isdigit()}
classes = open(w + "/classes", "rb").read()
keep31 = open(w + "/keep31", "rb").read()
keep8 = open(w + "/keep8", "rb").read()
bad = 0


def check(good, what):
    global bad
    print("%s - %s: %s" % ("ok" if good else "not ok", v, what))
    bad += not good


def near(what, got, want):
    tol = max(want // 100, 1)
    check(abs(got - want) <= tol,
          "%s %d within 1%% of drgn's %d" % (what, got, want))


def kept(bits, pfn):
    return pfn // 8 < len(bits) and bits[pfn // 8] >> (pfn % 8) & 1


near("free pages", n["free"], t["nr_free_pages"])
near("page cache (cache + cache_private)", n["cache"] + n["cache_private"],
     t["nr_file_pages"] - t["nr_swapcache"])
near("slab pages", n["slab"], t["nr_slab_pages"])
near("hugetlb pages", n["hugetlb"], t["hugetlb_pages"])
ram = sum(n.values())
check(n["corrupt"] * 1000 <= ram,
      "corrupt pages %d are under 0.1%% of RAM %d" % (n["corrupt"], ram))

pattern = [int(x) for x in open(w + "/pattern")]
if not pattern:
    print("skip - %s: pattern pages: the workload left none" % v)
else:
    wrong = [p for p in pattern
             if p >= len(classes) or classes[p] >= len(names)
             or names[classes[p]] not in ("user", "hugetlb")]
    check(not wrong, "all %d pattern pages are user or hugetlb%s" % (
        len(pattern), "" if not wrong else " (pfn %#x is %s)" % (
            wrong[0], names[classes[wrong[0]]]
            if wrong[0] < len(classes) and classes[wrong[0]] < len(names)
            else "not RAM")))
    dropped = [p for p in pattern if kept(keep8, p)]
    check(not dropped, "all pattern pages are excluded at -d 8%s" % (
        "" if not dropped else " (pfn %#x kept)" % dropped[0]))

tasks = [int(x) for x in open(w + "/tasks")]
wrong = [p for p in tasks
         if p >= len(classes) or classes[p] >= len(names)
         or names[classes[p]] != "slab"]
check(tasks and not wrong, "all %d task_struct slab pages are slab%s" % (
    len(tasks), "" if not wrong else " (pfn %#x is class %d)" % (
        wrong[0], classes[wrong[0]] if wrong[0] < len(classes) else -1)))
lost = [p for p in tasks if not kept(keep31, p)]
check(tasks and not lost, "all task_struct slab pages are kept at -d 31%s" % (
    "" if not lost else " (pfn %#x dropped)" % lost[0]))

# makedumpfile -d 31 of the same crash, if the harness saved one: nothing
# it keeps may be dropped here (it also drops zero pages, which we keep),
# except the workload's anonymous and hugetlb pages: makedumpfile 1.7.2
# keeps the tail pages of 6.12 folios, which drgn shows are user memory.
try:
    import struct
    with open(mkdf, "rb") as f:
        h = f.read(4096)
        if h[:8] == b"KDUMP   ":
            bs, sub, blocks, maxmapnr = struct.unpack_from("<iiII", h, 428)
            f.seek((1 + sub) * bs)
            bm = f.read(blocks * bs)
            dumpable = bm[len(bm) // 2:]
            lost, extra, proven = [], 0, 0
            known = set(pattern)
            for p in range(min(maxmapnr, len(keep31) * 8)):
                theirs = dumpable[p >> 3] >> (p & 7) & 1
                mine = keep31[p >> 3] >> (p & 7) & 1
                if theirs and not mine:
                    if p in known:
                        proven += 1
                    else:
                        lost.append(p)
                extra += mine and not theirs
            check(not lost, "nothing makedumpfile -d 31 keeps is dropped "
                  "but %d workload user pages (%d more pages kept, zero "
                  "pages included)%s" % (
                      proven, extra, "" if not lost else
                      ": %d dropped, first pfn %#x is %s" % (
                          len(lost), lost[0], names[classes[lost[0]]])))
except FileNotFoundError:
    pass
sys.exit(1 if bad else 0)
EOF
}

for v in 6.1 6.12; do
	if [ -f "$dumps/$v/vmcore" ]; then
		check_dump "$v"
	else
		skip "$v: classifier against drgn: no saved vmcore"
	fi
done
exit $status
