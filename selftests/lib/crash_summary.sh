#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# crash_summary.sh VMLINUX DUMP...: run the crash utility non-interactively
# (log, bt -a, kmem -i, kmem -s) and print its output, one section per
# command headed "== COMMAND", for tests to grep and compare.  Several DUMPs
# are a --split set.
set -uo pipefail
vmlinux=${1:?usage: crash_summary.sh VMLINUX DUMP...}
shift
cmds=$(mktemp)
trap 'rm -f "$cmds"' EXIT
for c in "log" "bt -a" "kmem -i" "kmem -s"; do
	printf '!echo "== %s"\n%s\n' "$c" "$c"
done > "$cmds"
echo quit >> "$cmds"
timeout 300 crash -s --no_scroll "$vmlinux" "$@" < "$cmds" 2>&1
