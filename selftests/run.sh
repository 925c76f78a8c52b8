#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh TEST...: run test programs and merge what they print into one TAP
# stream.  A test program prints, one per line:
#   ok - DESCRIPTION
#   not ok - DESCRIPTION
#   skip - DESCRIPTION: REASON     (a broken environment, not a wrong result)
#   todo - DESCRIPTION: REASON     (a check that fails for a known, open
#                                  reason: TAP "not ok ... # TODO", shown
#                                  and counted, but not a failure)
# and anything else as diagnostics.  Under CI=true a skip is a failure: a
# missing install step must not pass.  A program that exits non-zero adds a
# failure of its own.  Ends with "N passed, N failed, N skipped".
set -uo pipefail

n=0 passed=0 failed=0 skipped=0 todo=0

report() {	# report ok|not ok|skip DESCRIPTION
	n=$((n + 1))
	case "$1" in
	ok) passed=$((passed + 1)); echo "ok $n - $2" ;;
	"not ok") failed=$((failed + 1)); echo "not ok $n - $2" ;;
	skip)
		if [ "${CI:-}" = true ]; then
			failed=$((failed + 1)); echo "not ok $n - $2 (skipped under CI=true)"
		else
			skipped=$((skipped + 1)); echo "ok $n - # SKIP $2"
		fi ;;
	todo) todo=$((todo + 1)); echo "not ok $n - ${2%%: *} # TODO ${2#*: }" ;;
	esac
}

for t in "$@"; do
	echo "# $t"
	t0=$SECONDS
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) report ok "${line#ok - }" ;;
		"not ok - "*) report "not ok" "${line#not ok - }" ;;
		"skip - "*) report skip "${line#skip - }" ;;
		"todo - "*) report todo "${line#todo - }" ;;
		*) echo "# $line" ;;
		esac
	done < <("$t" 2>&1)
	wait $! || report "not ok" "$t exited with status $?"
	echo "# $t: $((SECONDS - t0)) s"
done
echo "1..$n"
[ $todo -eq 0 ] || echo "# $todo known failures (TODO) above"
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
