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
#
# bench-classify-instructions.sh VMCORE: also the same count on a saved
# vmcore (e.g. BENCH_FILTER_KEEP=1 scripts/bench-filter.sh 6.1 8G keeps
# one), through the userspace filter on one thread, per RAM pfn.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench-classify
mkdir -p "$out"
command -v valgrind > /dev/null || { echo "valgrind missing (make deps)" >&2; exit 1; }
gcc -std=c11 -O2 -fno-strict-aliasing -fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -I"$top/module" -o "$out/classify_bench" \
	"$top/selftests/unit/classify_bench.c" "$top/module/vmcf_classify.c"

vmcore=${1:-}
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

[ -n "$vmcore" ] || exit 0
# shellcheck disable=SC2086	# a list of words
gcc -std=c11 -O2 -fno-strict-aliasing -fno-tree-loop-distribute-patterns \
	-Wall -Wextra -Werror -pthread -I"$top/module" -I"$top/tools" \
	-o "$out/vmcf-classify" "$top/tools/vmcf-classify.c" \
	$(for f in module/vmcf_memmap.c module/vmcf_classify.c tools/userspace_filter.c \
		tools/elfcore.c tools/vmcoreinfo.c tools/vmcf_error.c; do echo "$top/$f"; done)
valgrind --tool=callgrind --toggle-collect=vmcf_classify_range \
	--callgrind-out-file="$out/cg.vmcore" "$out/vmcf-classify" --threads 1 \
	-d 31 "$vmcore" > "$out/out.vmcore" 2> "$out/log.vmcore"
ram=$(awk '$1 == "ram" { print $2 }' "$out/out.vmcore")
ir=$(awk '$1 == "summary:" { print $2 }' "$out/cg.vmcore")
printf '%s: %.1f instructions per RAM pfn (%s pfns)\n' "$(basename "$vmcore")" \
	"$(awk -v i="$ir" -v p="$ram" 'BEGIN { print i / p }')" "$ram"
