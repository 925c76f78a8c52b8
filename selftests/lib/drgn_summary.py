#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Print what drgn reads from a dump, one fact per line, so two dumps of the
same crash can be compared with diff and a test can grep for what it needs.

usage: drgn_summary.py VMLINUX DUMP

Lines:
  task PID COMM             every task, sorted by pid
  crashed_cpu N             CPU of the crashed thread
  crashed_frame FUNCTION    the crashed thread's stack, innermost first
  log LINE                  kernel log lines that mention the panic
  error WHAT: MESSAGE       what drgn could not read
"""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.printk import get_dmesg
from drgn.helpers.linux.sched import task_cpu


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    prog = drgn.Program()
    prog.set_core_dump(sys.argv[2])
    prog.load_debug_info([sys.argv[1]])

    try:
        tasks = sorted((t.pid.value_(), t.comm.string_().decode())
                       for t in for_each_task(prog))
        for pid, comm in tasks:
            print(f"task {pid} {comm}")
    except drgn.FaultError as e:
        print(f"error tasks: {e}")

    try:
        thread = prog.crashed_thread()
        print(f"crashed_cpu {task_cpu(thread.object)}")
        for frame in thread.stack_trace():
            print(f"crashed_frame {frame.name or hex(frame.pc)}")
    except (drgn.FaultError, ValueError, LookupError) as e:
        print(f"error stack: {e}")

    try:
        for line in get_dmesg(prog).decode(errors="replace").splitlines():
            if "sysrq" in line or "Kernel panic" in line or "vmcf:" in line:
                print(f"log {line.split('] ', 1)[-1]}")
    except drgn.FaultError as e:
        print(f"error log: {e}")


if __name__ == "__main__":
    main()
