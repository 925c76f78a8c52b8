#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The dump format libraries, no VM: synthetic vmcores (tools/testdata/*.vmdesc)
# are generated, converted to kdump-compressed files in every compression and
# dump policy, as a --split set and as a flattened stream, and read back with
# libkdumpfile page by page; ENOSPC on a tiny tmpfs; then the ELF/VMCOREINFO
# parser is fuzzed for ${VMCF_FUZZ_SECONDS:-30} s.  Builds into build/unit/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# --- How the unit binaries are built (one place; the Makefile may adopt it).
B=build/unit
UNIT_CC=${CC:-cc}
UNIT_CFLAGS="-std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=all"
UNIT_LIBS="-lz -llzo2 -lsnappy -lzstd -lkdumpfile -pthread"
FUZZ_CC=clang
FUZZ_CFLAGS="-std=c11 -Wall -Wextra -Werror -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
FORMAT_SRCS="tools/vmcf_error.c tools/vmcoreinfo.c tools/elfcore.c tools/compress.c tools/kdump_writer.c"
GEN_SRCS="tools/testgen.c tools/vmcf_error.c"
TEST_SRCS="tools/kdump_convert_test.c $FORMAT_SRCS tools/testgen.c"
FUZZ_SRCS="tools/fuzz_elfcore.c tools/vmcf_error.c tools/vmcoreinfo.c tools/elfcore.c"
# ---

mkdir -p "$B/cases" "$B/out"

build() {	# build OUTPUT CC FLAGS -- SOURCES...
	local out=$1 cc=$2 flags=$3
	shift 4
	# shellcheck disable=SC2086
	$cc $flags -Itools -o "$B/$out" "$@" $UNIT_LIBS
}

if ! build vmcore-gen "$UNIT_CC" "$UNIT_CFLAGS" -- $GEN_SRCS ||
	! build kdump_convert_test "$UNIT_CC" "$UNIT_CFLAGS -DTESTGEN_NO_MAIN" -- $TEST_SRCS; then
	echo "not ok - build the format unit tests"
	exit 1
fi
echo "ok - build the format unit tests"

args=()
for desc in tools/testdata/*.vmdesc; do
	name=$(basename "$desc" .vmdesc)
	[ "$name" = fuzz-seed ] && continue
	if "$B/vmcore-gen" "$desc" "$B/cases/$name.vmcore"; then
		echo "ok - vmcore-gen $name ($(stat -c %s "$B/cases/$name.vmcore") bytes)"
		args+=("$desc" "$B/cases/$name.vmcore")
	else
		echo "not ok - vmcore-gen $name"
	fi
done

# ENOSPC needs a filesystem that fills up: a 200 KiB tmpfs.
enospc_dir=
cleanup() {
	if [ -n "$enospc_dir" ]; then
		umount "$enospc_dir" 2>/dev/null
		rmdir "$enospc_dir"
	fi
}
trap cleanup EXIT
if [ "$(id -u)" -ne 0 ]; then
	export VMCF_ENOSPC_SKIP="not root, cannot mount a small tmpfs"
else
	enospc_dir=$(mktemp -d /tmp/vmcf-enospc.XXXXXX)
	if msg=$(mount -t tmpfs -o size=200k vmcf-enospc "$enospc_dir" 2>&1); then
		export VMCF_ENOSPC_DIR=$enospc_dir
	else
		export VMCF_ENOSPC_SKIP="mount tmpfs: $msg"
	fi
fi

rm -f "$B"/out/*
"$B/kdump_convert_test" "$B/out" "${args[@]}"
rc=$?
[ $rc -eq 0 ] || echo "not ok - kdump_convert_test exited with status $rc"

# --- crash, the other reader: without a vmlinux it still parses the headers
# and notes (-d 1 prints them) and reads flattened streams directly.
if ! command -v crash >/dev/null; then
	echo "skip - crash reads the headers: crash not installed"
else
	n=0 bad=0
	for desc in tools/testdata/*.vmdesc; do
		name=$(basename "$desc" .vmdesc)
		release=$(awk '$1 == "osrelease" { print $2 }' "$desc")
		cpus=$(awk '$1 == "cpus" { print $2 }' "$desc")
		for f in "$B/out/$name"-*.kdump "$B/out/$name"-*-split.? "$B/out/$name"-*.flat; do
			[ -e "$f" ] || continue
			n=$((n + 1))
			got=$(timeout 60 crash --osrelease "$f" 2>&1)
			if [ "$got" != "$release" ]; then
				echo "crash --osrelease $f: $got (want $release)"
				bad=$((bad + 1))
				continue
			fi
			case $f in *.flat) continue ;; esac
			hdr=$(timeout 60 crash -d 1 --osrelease "$f" 2>&1)
			want_status=
			case $f in *-enospc.kdump) want_status=INCOMPLETE ;; esac
			if ! grep -q "num_prstatus_notes: ${cpus:-1}\$" <<<"$hdr" ||
				! grep -q "machine: x86_64" <<<"$hdr" ||
				! grep -q "status: .*$want_status" <<<"$hdr"; then
				echo "crash -d 1 $f: notes, machine or status wrong"
				bad=$((bad + 1))
			fi
		done
	done
	if [ $bad -eq 0 ] && [ $n -gt 0 ]; then
		echo "ok - $(crash -v | awk 'NF { print $1, $2; exit }') reads release, notes and status of $n files"
	else
		echo "not ok - crash reads release, notes and status: $bad of $n files wrong"
	fi
fi

# --- Fuzz the ELF core / VMCOREINFO parser.
secs=${VMCF_FUZZ_SECONDS:-30}
if ! command -v "$FUZZ_CC" >/dev/null; then
	echo "skip - fuzz elfcore: $FUZZ_CC not installed"
elif ! build fuzz-elfcore "$FUZZ_CC" "$FUZZ_CFLAGS" -- $FUZZ_SRCS 2>"$B/fuzz-build.log"; then
	if grep -q "libclang_rt.fuzzer\|fuzzer.*not found\|cannot find.*fuzzer" "$B/fuzz-build.log"; then
		echo "skip - fuzz elfcore: no libFuzzer runtime (libclang-rt-dev)"
	else
		cat "$B/fuzz-build.log"
		echo "not ok - build the elfcore fuzzer"
	fi
else
	corpus=$B/fuzz-corpus
	mkdir -p "$corpus"
	"$B/vmcore-gen" tools/testdata/fuzz-seed.vmdesc "$corpus/seed.vmcore"
	printf 'OSRELEASE=6.1.0\nPAGESIZE=4096\nNUMBER(phys_base)=-2097152\nKERNELOFFSET=3a000000\nCRASHTIME=1\n' \
		>"$corpus/seed.vmcoreinfo"
	if "$B/fuzz-elfcore" -max_total_time="$secs" -max_len=16384 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 \
		-artifact_prefix="$B/fuzz-" "$corpus" >"$B/fuzz.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz.log")
		echo "ok - fuzz elfcore for ${secs}s: ${runs:-?} inputs, no crash"
	else
		tail -n 40 "$B/fuzz.log"
		echo "not ok - fuzz elfcore: crash or leak, see $B/fuzz.log and $B/fuzz-*"
	fi
fi
exit 0
