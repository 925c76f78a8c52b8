#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The page classifier (module/vmcf_classify.c) in userspace: unit tests on
# synthetic 6.1 and 6.12 struct page arrays under ASan/UBSan, then a bounded
# libFuzzer run (VMCF_FUZZ_SECONDS, default 30) on arbitrary VMCOREINFO text
# and struct pages.  Prints ok / not ok / skip lines for selftests/run.sh.
set -u
cd "$(dirname "$0")/.." || exit 1

out=build/unit
mkdir -p "$out"
src="module/vmcf_classify.c"
status=0

# Unit tests: their own ok / not ok lines pass straight through.
if cc -std=c11 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Imodule -o "$out/classify_test" \
	selftests/unit/classify_test.c "$src" > "$out/classify_test.log" 2>&1; then
	"$out/classify_test" || status=1
else
	echo "not ok - classifier unit tests build"
	sed 's/^/# /' "$out/classify_test.log"
	status=1
fi

# Fuzzer: needs clang with libFuzzer.
seconds=${VMCF_FUZZ_SECONDS:-30}
fuzz_flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
if ! command -v clang > /dev/null 2>&1; then
	echo "skip - classifier fuzzer: clang missing"
	exit $status
fi
probe="$out/classify_fuzz_probe"
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return d && n ? 0 : 0; }\n' \
	> "$probe.c"
# shellcheck disable=SC2086	# the flags are words
if ! clang $fuzz_flags -o "$probe" "$probe.c" > /dev/null 2>&1; then
	echo "skip - classifier fuzzer: clang has no libFuzzer"
	exit $status
fi

# shellcheck disable=SC2086
if ! clang $fuzz_flags -Wall -Wextra -Werror -Imodule -o "$out/classify_fuzz" \
	selftests/unit/classify_fuzz.c "$src" > "$out/classify_fuzz.log" 2>&1; then
	echo "not ok - classifier fuzzer build"
	sed 's/^/# /' "$out/classify_fuzz.log"
	exit 1
fi

corpus="$out/classify_fuzz_corpus"
mkdir -p "$corpus"
log="$out/classify_fuzz.run.log"
"$out/classify_fuzz" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$out/classify_fuzz-" "$corpus" \
	> "$log" 2>&1
rc=$?
runs=$(sed -n 's/^Done \([0-9][0-9]*\) runs in .*/\1/p' "$log" | tail -n 1)
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
	echo "ok - classifier fuzzer: $runs executions, no crash"
else
	echo "not ok - classifier fuzzer: exit $rc after ${runs:-?} executions (see $log)"
	grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20 |
		sed 's/^/# /'
	status=1
fi
exit $status
