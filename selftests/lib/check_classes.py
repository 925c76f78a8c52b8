#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare a classification with drgn's ground truth.

usage: check_classes.py NAME DIR [MKDUMPFILE_D31]

DIR holds: counts ("class pages" lines, from vmcf-classify or the device),
truth (drgn_page_truth.py), keep31 and keep8 (keep-bitmaps at -d 31 and
-d 8), pattern and tasks (pfn lists from drgn_page_truth.py), and
optionally classes (one class byte per pfn).  Prints ok / not ok lines;
exits 1 if any failed.
"""
import sys

v, w, mkdf = sys.argv[1], sys.argv[2], sys.argv[3]
# Without per-pfn classes (the device gives bitmaps and counts only), the
# pattern and task_struct pages are checked through the bitmaps alone.
try:
    classes = open(w + "/classes", "rb").read()
except FileNotFoundError:
    classes = None
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
    if classes is not None:
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
if classes is not None:
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
                          len(lost), lost[0], names[classes[lost[0]]]
                          if classes is not None else "?")))
except FileNotFoundError:
    pass
sys.exit(1 if bad else 0)
