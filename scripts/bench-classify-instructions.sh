#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench-classify-instructions.sh: instructions per struct page of the
# classifier (module/vmcf_classify.c), counted by callgrind on a synthetic
# mem_map shaped like the filter benchmark's workload
# (selftests/unit/classify_bench.c), for the 6.1 and 6.12 layouts and each
# setting of vmcf_layout.fast: "none" is every page through the general
# decisions, "layout" the hot loops with the layout's offsets, "x86_64" the
# hot loops with constant offsets (what the module runs on x86_64).
# Under TCG the capture kernel pays per emulated instruction, so these
# counts, which callgrind repeats exactly, predict the module's speed there.
# Built with the flags that matter in a kernel build.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench-classify
mkdir -p "$out"
command -v valgrind > /dev/null || { echo "valgrind missing (make deps)" >&2; exit 1; }
gcc -std=c11 -O2 -fno-strict-aliasing -fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -I"$top/module" -o "$out/classify_bench" \
	"$top/selftests/unit/classify_bench.c" "$top/module/vmcf_classify.c"

printf '%-6s %-8s %12s %s\n' layout fast instr/page classes
for v in 6.1 6.12; do
	for m in none layout x86_64; do
		valgrind --tool=callgrind --toggle-collect=vmcf_classify_range \
			--callgrind-out-file="$out/cg.$v.$m" \
			"$out/classify_bench" "$v" "$m" > "$out/out.$v.$m" 2> "$out/log.$v.$m"
		pages=$(awk '$1 == "pages" { print $2 }' "$out/out.$v.$m")
		ir=$(awk '$1 == "summary:" { print $2 }' "$out/cg.$v.$m")
		printf '%-6s %-8s %12.1f %s\n' "$v" "$m" \
			"$(awk -v i="$ir" -v p="$pages" 'BEGIN { print i / p }')" \
			"$(grep -v '^pages' "$out/out.$v.$m" | tr '\n' ' ')"
	done
done
