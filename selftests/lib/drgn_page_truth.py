#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Ground truth about a vmcore's pages, from drgn and from the raw dump.

usage: drgn_page_truth.py VMLINUX VMCORE [--pattern-pfns FILE]
                          [--task-pfns FILE]

Prints "KEY VALUE" lines:
  release            OSRELEASE
  nr_free_pages      sum over zones of vm_stat[NR_FREE_PAGES], with the
                     per-CPU deltas folded in (zone_page_state_snapshot())
  nr_file_pages      node stat NR_FILE_PAGES (page cache, shmem, swap cache)
  nr_swapcache       node stat NR_SWAPCACHE
  nr_shmem           node stat NR_SHMEM
  nr_slab_pages      NR_SLAB_RECLAIMABLE_B + NR_SLAB_UNRECLAIMABLE_B (the
                     counters are kept in pages although named _B)
  hugetlb_pages      base pages in hugetlb pools (in use or free)
  pattern_pages      pages starting with "VMCF-PATTERN-PG\\0" whose pid
                     (bytes 24..31, see selftests/guest/vmcf-guest.c) is a
                     live task: anonymous or hugetlb memory of the workload
  pattern_stale      such pages of dead pids (freed memory keeps its bytes)
  tasks              tasks found by for_each_task()
  task_slab_pages    pages of the slabs holding those task_structs
and writes the pfns of the live pattern pages and of the task_struct slabs
(one decimal pfn per line) to the files given.

drgn 0.0.22 predates 6.12's folios in places: compound_order() falls back
to the low byte of page[1].flags (folio->_flags_1) when struct page has no
compound_order member.
"""

import argparse
import mmap
import struct
import sys

import drgn
from drgn.helpers.linux.mm import compound_head, page_to_pfn, virt_to_page
from drgn.helpers.linux.nodemask import for_each_online_node
from drgn.helpers.linux.percpu import for_each_online_cpu, per_cpu_ptr
from drgn.helpers.linux.pid import for_each_task

MAGIC = b"VMCF-PATTERN-PG\0"
PAGE = 4096
START_KERNEL_MAP = 0xFFFFFFFF80000000


def load(vmlinux, vmcore):
    prog = drgn.Program()
    prog.set_core_dump(vmcore)
    prog.load_debug_info([vmlinux])
    return prog


def enum_value(prog, name):
    return prog.constant(name).value_()


def zone_stat(prog, item):
    """Sum of every zone's vm_stat[item] plus the per-CPU diffs."""
    idx = enum_value(prog, item)
    total = 0
    for nid in for_each_online_node(prog):
        pgdat = prog["node_data"][nid]
        for i in range(pgdat.nr_zones.value_()):
            zone = pgdat.node_zones[i]
            total += zone.vm_stat[idx].counter.value_()
            pcp = zone.per_cpu_zonestats
            if not pcp.value_():
                continue
            for cpu in for_each_online_cpu(prog):
                total += per_cpu_ptr(pcp, cpu).vm_stat_diff[idx].value_()
    return total


def node_stat(prog, item):
    """Sum of every node's vm_stat[item] plus the per-CPU diffs."""
    try:
        idx = enum_value(prog, item)
    except (LookupError, drgn.FaultError):
        return None
    total = 0
    for nid in for_each_online_node(prog):
        pgdat = prog["node_data"][nid]
        total += pgdat.vm_stat[idx].counter.value_()
        pcp = pgdat.per_cpu_nodestats
        if not pcp.value_():
            continue
        for cpu in for_each_online_cpu(prog):
            total += per_cpu_ptr(pcp, cpu).vm_node_stat_diff[idx].value_()
    return total


def hugetlb_pages(prog):
    try:
        hstates = prog["hstates"]
        count = prog["hugetlb_max_hstate"].value_()
    except LookupError:
        return 0
    total = 0
    for i in range(count):
        h = hstates[i]
        total += h.nr_huge_pages.value_() << h.order.value_()
    return total


def compound_order_of(head):
    try:
        return head[1].compound_order.value_()
    except (AttributeError, LookupError):
        return head[1].flags.value_() & 0xFF


def task_slab_pfns(prog):
    """pfns of every page of the slabs holding task_structs."""
    pfns = set()
    tasks = 0
    for task in for_each_task(prog):
        tasks += 1
        addr = task.value_()
        if addr >= START_KERNEL_MAP:
            continue  # init_task is in the kernel image, not a slab
        head = compound_head(virt_to_page(prog, addr))
        first = page_to_pfn(head).value_()
        order = 0
        if head.flags.value_() & (1 << enum_value(prog, "PG_head")):
            order = compound_order_of(head)
        pfns.update(range(first, first + (1 << order)))
    return tasks, pfns


def pattern_pfns(vmcore, live_pids):
    """Live and stale pattern pages, by scanning the PT_LOADs' file data."""
    live, stale = [], 0
    with open(vmcore, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        ehdr = mm[:64]
        phoff, = struct.unpack_from("<Q", ehdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
        seen = set()
        for i in range(phnum):
            ph = mm[phoff + i * phentsize:phoff + (i + 1) * phentsize]
            p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from(
                "<IIQQQQ", ph)
            if p_type != 1:
                continue
            # First page boundary in the segment, file and paddr in step.
            skip = (-p_paddr) % PAGE
            pos = p_offset + skip
            end = p_offset + p_filesz
            while True:
                hit = mm.find(MAGIC, pos, end)
                if hit < 0:
                    break
                pos = hit + 1
                if (hit - p_offset - skip) % PAGE:
                    continue
                pfn = (p_paddr + hit - p_offset) // PAGE
                if pfn in seen:
                    continue  # kernel text PT_LOAD repeats RAM
                seen.add(pfn)
                pid, = struct.unpack_from("<Q", mm, hit + 24)
                if pid in live_pids:
                    live.append(pfn)
                else:
                    stale += 1
        mm.close()
    return live, stale


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vmlinux")
    ap.add_argument("vmcore")
    ap.add_argument("--pattern-pfns")
    ap.add_argument("--task-pfns")
    args = ap.parse_args()

    prog = load(args.vmlinux, args.vmcore)
    release = prog["init_uts_ns"].name.release.string_().decode()
    slab = (node_stat(prog, "NR_SLAB_RECLAIMABLE_B") or 0) + \
        (node_stat(prog, "NR_SLAB_UNRECLAIMABLE_B") or 0)
    tasks, tpfns = task_slab_pfns(prog)
    live_pids = {t.pid.value_() for t in for_each_task(prog)}
    live, stale = pattern_pfns(args.vmcore, live_pids)

    print("release", release)
    print("nr_free_pages", zone_stat(prog, "NR_FREE_PAGES"))
    for key, item in (("nr_file_pages", "NR_FILE_PAGES"),
                      ("nr_swapcache", "NR_SWAPCACHE"),
                      ("nr_shmem", "NR_SHMEM")):
        value = node_stat(prog, item)
        print(key, 0 if value is None else value)
    print("nr_slab_pages", slab)
    print("hugetlb_pages", hugetlb_pages(prog))
    print("pattern_pages", len(live))
    print("pattern_stale", stale)
    print("tasks", tasks)
    print("task_slab_pages", len(tpfns))
    if args.pattern_pfns:
        with open(args.pattern_pfns, "w") as f:
            f.writelines("%d\n" % p for p in sorted(live))
    if args.task_pfns:
        with open(args.task_pfns, "w") as f:
            f.writelines("%d\n" % p for p in sorted(tpfns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
