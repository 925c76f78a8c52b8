#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The collector, vmcore-dump, without a VM: synthetic vmcores
# (tools/testdata/*.vmdesc) are dumped with --filter=none at -d 0 and -d 1
# in every compression, as ELF (-E), as a flattened stream (-F, rebuilt by
# makedumpfile -R and read directly by our reader), as a --split set and
# back to ELF (--to-elf); every page is read back with libkdumpfile and with
# our own readers and compared with the input (selftests/unit/
# collector_check.c).  Then the failure paths: ENOSPC on a small tmpfs,
# SIGTERM mid-dump, bad inputs, bad options.  Saved real vmcores under
# ${VMCF_TESTDUMPS:-build/testdumps} (left there by 10-harness.t) add
# --dump-dmesg against drgn, --report and -d 31 with the userspace filter.
# Everything runs under ASan/UBSan; builds into build/unit/collector/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

B=$PWD/build/unit/collector
GEN=build/unit/vmcore-gen
# The generator's compile line, as selftests/30-formats.t builds it.
GEN_CC="${CC:-cc} -std=c11 -Wall -Wextra -Werror -g -fsanitize=address,undefined -fno-sanitize-recover=all"
GEN_LIBS="-lz -llzo2 -lsnappy -lzstd -lkdumpfile -pthread"
CHECK_SRCS="selftests/unit/collector_check.c tools/kdump_reader.c tools/elfcore.c tools/vmcoreinfo.c tools/vmcf_error.c tools/compress.c"
TESTDUMPS=${VMCF_TESTDUMPS:-build/testdumps}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

ok() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }
skip() { echo "skip - $*"; }
diag() { sed 's/^/  # /'; }

mkdir -p "$B/cases" "$B/out"
if ! make -s -C tools O="$B" SANITIZE=1 >"$B/build.log" 2>&1; then
	diag <"$B/build.log"
	fail "build vmcore-dump (make -C tools SANITIZE=1)"
	exit 1
fi
# shellcheck disable=SC2086
if ! $GEN_CC -Itools -o "$B/collector_check" $CHECK_SRCS $GEN_LIBS >"$B/check-build.log" 2>&1; then
	diag <"$B/check-build.log"
	fail "build collector_check"
	exit 1
fi
# shellcheck disable=SC2086
if ! $GEN_CC -Itools -o "$B/collector_batch" selftests/unit/collector_batch.c \
	tools/kdump_writer.c tools/compress.c tools/vmcf_error.c $GEN_LIBS >"$B/batch-build.log" 2>&1; then
	diag <"$B/batch-build.log"
	fail "build collector_batch"
	exit 1
fi
if [ ! -x "$GEN" ]; then
	mkdir -p build/unit
	# shellcheck disable=SC2086
	if ! $GEN_CC -Itools -o "$GEN" tools/testgen.c tools/vmcf_error.c $GEN_LIBS; then
		fail "build vmcore-gen"
		exit 1
	fi
fi
ok "build vmcore-dump, collector_check, collector_batch and vmcore-gen"

VD=$B/vmcore-dump
CHECK=$B/collector_check
OUT=$B/out
rm -rf "${OUT:?}"/*

# The writer's batched descriptors, which the pipeline relies on.
"$B/collector_batch" "$OUT"

# run NAME CMD...: runs CMD with stderr to $OUT/NAME.err; its status in $rc.
run() {
	local name=$1
	shift
	"$@" 2>"$OUT/$name.err"
	rc=$?
}

# verdict DESCRIPTION STATUS LOGFILE...: ok, or not ok with the logs.
verdict() {
	local what=$1 status=$2
	shift 2
	if [ "$status" -eq 0 ]; then
		ok "$what"
	else
		cat "$@" 2>/dev/null | tail -n 15 | diag
		fail "$what"
	fi
}

# header_status FILE: the kdump header's status word (decimal).
header_status() { od -An -tu4 -j424 -N4 "$1" | tr -d ' '; }

cases=()
for desc in tools/testdata/small.vmdesc tools/testdata/holes.vmdesc tools/testdata/high.vmdesc; do
	name=$(basename "$desc" .vmdesc)
	if "$GEN" "$desc" "$B/cases/$name.vmcore" 2>"$OUT/gen-$name.err"; then
		cases+=("$name")
	else
		diag <"$OUT/gen-$name.err"
		fail "vmcore-gen $name"
	fi
done

comp_flag() {
	case $1 in none) echo "" ;; zlib) echo -c ;; lzo) echo -l ;; snappy) echo -p ;; zstd) echo -z ;; esac
}

# --- kdump-compressed: every level x compression, both readers ---------------
for name in "${cases[@]}"; do
	core=$B/cases/$name.vmcore
	for level in 0 1; do
		for comp in none zlib lzo snappy zstd; do
			tag=$name-d$level-$comp
			f=$OUT/$tag.kdump
			# shellcheck disable=SC2046
			run "$tag" "$VD" --filter=none -d "$level" $(comp_flag "$comp") \
				--num-threads 2 "$core" "$f"
			st=$rc
			if [ $st -eq 0 ]; then
				"$CHECK" --all --level "$level" "$core" own "$f" >"$OUT/$tag.own" 2>&1
				st=$?
			fi
			if [ $st -eq 0 ]; then
				"$CHECK" --all "$core" libkdumpfile "$f" >"$OUT/$tag.lkdf" 2>&1
				st=$?
			fi
			verdict "$name -d $level $comp: every RAM page reads back (own reader, libkdumpfile)" \
				$st "$OUT/$tag.err" "$OUT/$tag.own" "$OUT/$tag.lkdf"
		done
	done
done

# The input paths /proc/vmcore takes without huge mappings (mmap windows,
# pread), on a saved file.
for mode in window pread; do
	for name in "${cases[@]}"; do
		core=$B/cases/$name.vmcore
		tag=$name-$mode
		VMCORE_DUMP_INPUT=$mode run "$tag" "$VD" --filter=none -d 1 -z \
			--num-threads 2 --message-level 12 "$core" "$OUT/$tag.kdump"
		st=$rc
		grep -q "input read with ${mode/window/mmap}" "$OUT/$tag.err" || st=1
		if [ $st -eq 0 ]; then
			"$CHECK" --all --level 1 "$core" own "$OUT/$tag.kdump" >"$OUT/$tag.own" 2>&1
			st=$?
		fi
		VMCORE_DUMP_INPUT=$mode run "$tag-elf" "$VD" --filter=none -d 1 -E \
			--num-threads 2 "$core" "$OUT/$tag.elf"
		[ $rc -ne 0 ] && st=$rc
		if [ $st -eq 0 ]; then
			"$CHECK" --all "$core" elf "$OUT/$tag.elf" >"$OUT/$tag-elf.own" 2>&1
			st=$?
		fi
		verdict "$name: input read through $mode (as /proc/vmcore): kdump and ELF read back" \
			$st "$OUT/$tag.err" "$OUT/$tag.own" "$OUT/$tag-elf.err" "$OUT/$tag-elf.own"
	done
done

# --- ELF (-E) -----------------------------------------------------------------
for name in "${cases[@]}"; do
	core=$B/cases/$name.vmcore
	for level in 0 1; do
		tag=$name-d$level-elf
		f=$OUT/$tag.elf
		run "$tag" "$VD" --filter=none -d "$level" -E --num-threads 2 "$core" "$f"
		st=$rc
		if [ $st -eq 0 ]; then
			"$CHECK" --all "$core" elf "$f" >"$OUT/$tag.own" 2>&1
			st=$?
		fi
		if [ $st -eq 0 ]; then
			"$CHECK" --all --zero-absent "$core" libkdumpfile "$f" >"$OUT/$tag.lkdf" 2>&1
			st=$?
		fi
		verdict "$name -d $level -E: every RAM page reads back (elfcore, libkdumpfile)" \
			$st "$OUT/$tag.err" "$OUT/$tag.own" "$OUT/$tag.lkdf"
	done
done

# Zero pages are stored once at every level (-d 0 keeps them in the bitmap,
# and the level-0 read-backs above find them): the uncompressed kdump file
# is smaller than the ELF file of the same level, which holds every page.
sz() { stat -c %s "$1" 2>/dev/null || echo 0; }
if [ -f "$OUT/holes-d0-none.kdump" ] && [ -f "$OUT/holes-d0-elf.elf" ] &&
	[ "$(sz "$OUT/holes-d0-none.kdump")" -lt "$(sz "$OUT/holes-d0-elf.elf")" ] &&
	[ "$(sz "$OUT/holes-d0-none.kdump")" -eq "$(sz "$OUT/holes-d1-none.kdump")" ] &&
	grep -q "zero pages not stored" "$OUT/holes-d0-none.err" &&
	grep -q "zero pages not stored" "$OUT/holes-d1-none.err"; then
	ok "holes -d 0 and -d 1: zero pages share one stored page"
else
	diag <<<"sizes: d0 $(sz "$OUT/holes-d0-none.kdump") d1 $(sz "$OUT/holes-d1-none.kdump") elf $(sz "$OUT/holes-d0-elf.elf")"
	fail "holes -d 0 and -d 1: zero pages share one stored page"
fi

# --- flattened (-F) -----------------------------------------------------------
MAKEDUMPFILE=${VMCF_MAKEDUMPFILE:-/usr/bin/makedumpfile}
for name in "${cases[@]}"; do
	core=$B/cases/$name.vmcore
	tag=$name-flat
	"$VD" -F -l -d 1 --filter=none --num-threads 2 "$core" >"$OUT/$tag.flat" 2>"$OUT/$tag.err"
	st=$?
	if [ $st -eq 0 ]; then
		"$CHECK" --all --level 1 "$core" own "$OUT/$tag.flat" >"$OUT/$tag.own" 2>&1
		st=$?
	fi
	verdict "$name -F: our reader reads the stream directly" $st "$OUT/$tag.err" "$OUT/$tag.own"
	if [ ! -x "$MAKEDUMPFILE" ]; then
		skip "$name -F: makedumpfile -R rebuilds it: $MAKEDUMPFILE not installed"
		continue
	fi
	"$MAKEDUMPFILE" -R "$OUT/$tag.rebuilt" <"$OUT/$tag.flat" >"$OUT/$tag.R" 2>&1
	st=$?
	if [ $st -eq 0 ]; then
		"$CHECK" --all "$core" libkdumpfile "$OUT/$tag.rebuilt" >"$OUT/$tag.lkdf" 2>&1
		st=$?
	fi
	verdict "$name -F: makedumpfile -R rebuilds a file libkdumpfile reads" $st \
		"$OUT/$tag.R" "$OUT/$tag.lkdf"
done

# --- --split ------------------------------------------------------------------
for name in "${cases[@]}"; do
	core=$B/cases/$name.vmcore
	tag=$name-split
	files=("$OUT/$tag.1" "$OUT/$tag.2" "$OUT/$tag.3")
	run "$tag" "$VD" --split -z -d 1 --filter=none --num-threads 2 "$core" "${files[@]}"
	st=$rc
	if [ $st -eq 0 ]; then
		"$CHECK" --all "$core" libkdumpfile "${files[@]}" >"$OUT/$tag.lkdf" 2>&1
		st=$?
	fi
	if [ $st -eq 0 ]; then
		"$CHECK" --all --level 1 "$core" own "${files[@]}" >"$OUT/$tag.own" 2>&1
		st=$?
	fi
	verdict "$name --split into 3 files: the set reads back whole (libkdumpfile, own reader)" \
		$st "$OUT/$tag.err" "$OUT/$tag.lkdf" "$OUT/$tag.own"
	# Each file holds about a third of the pages, give or take one
	# 4096-pfn block (16 MiB): split files start on such boundaries (crash).
	if [ $st -eq 0 ]; then
		sizes=$(stat -c %s "${files[@]}" | sort -n | tr '\n' ' ')
		read -r smallest _ largest <<<"$sizes"
		expect_split=$((largest < 3 * smallest + 4096 * 4096 + 3 * 4096 * 4))
		verdict "$name --split: files balanced ($sizes bytes)" $((!expect_split))
	fi
done

# --- --to-elf -----------------------------------------------------------------
for name in "${cases[@]}"; do
	core=$B/cases/$name.vmcore
	tag=$name-toelf
	run "$tag" "$VD" --to-elf "$OUT/$name-d1-zstd.kdump" "$OUT/$tag.elf"
	st=$rc
	if [ $st -eq 0 ]; then
		"$CHECK" --all "$core" elf "$OUT/$tag.elf" >"$OUT/$tag.own" 2>&1
		st=$?
	fi
	if [ $st -eq 0 ]; then
		"$CHECK" --all --zero-absent "$core" libkdumpfile "$OUT/$tag.elf" >"$OUT/$tag.lkdf" 2>&1
		st=$?
	fi
	verdict "$name --to-elf: every page of the kdump file is in the ELF core" $st \
		"$OUT/$tag.err" "$OUT/$tag.own" "$OUT/$tag.lkdf"
	run "$tag-split" "$VD" --to-elf "$OUT/$name-split.1" "$OUT/$name-split.2" \
		"$OUT/$name-split.3" "$OUT/$tag-split.elf"
	st=$rc
	if [ $st -eq 0 ]; then
		"$CHECK" --all "$core" elf "$OUT/$tag-split.elf" >"$OUT/$tag-split.own" 2>&1
		st=$?
	fi
	verdict "$name --to-elf of a --split set" $st "$OUT/$tag-split.err" "$OUT/$tag-split.own"
done

# --- threads: 1 and 2 read back the same --------------------------------------
core=$B/cases/holes.vmcore
run threads1 "$VD" --filter=none -d 1 -l --num-threads 1 "$core" "$OUT/threads1.kdump"
st=$rc
run threads2 "$VD" --filter=none -d 1 -l --num-threads 2 "$core" "$OUT/threads2.kdump"
[ $rc -ne 0 ] && st=$rc
if [ $st -eq 0 ]; then
	"$CHECK" --compare "$core" own "$OUT/threads1.kdump" own "$OUT/threads2.kdump" >"$OUT/threads.cmp" 2>&1
	st=$?
fi
verdict "--num-threads 1 and 2 give dumps that read back the same" $st \
	"$OUT/threads1.err" "$OUT/threads2.err" "$OUT/threads.cmp"

# --- memory: peak RSS does not grow with RAM -----------------------------------
# The same 8 MiB of pages at the bottom and the top of a 2 GiB and of a 4 TiB
# physical address space.  The collector keeps a count per 4 GiB, not a
# bitmap per pfn (which would be 2 x 128 MiB at 4 TiB, and as much again per
# output file).  Input by pread, so that the mapped vmcore does not count.
# peak_rss TAG MODE... : runs vmcore-dump on $core, peak RSS (KiB) in $rss.
peak_rss() {
	local tag=$1 outs=("$OUT/$1.a")
	shift
	rm -f "$OUT/$tag".*
	case $1 in
	--split) outs=("$OUT/$tag.a" "$OUT/$tag.b") ;;
	-F) outs=() ;;
	esac
	VMCORE_DUMP_INPUT=pread /usr/bin/time -o "$OUT/$tag.rss" -f %M \
		"$VD" --filter=none --num-threads 2 --message-level 4 "$@" \
		"$core" "${outs[@]}" >"$OUT/$tag.out" 2>"$OUT/$tag.err"
	rc=$?
	rss=$(tail -n 1 "$OUT/$tag.rss")
	rm -f "$OUT/$tag".[ab] "$OUT/$tag.out"
}
if [ ! -x /usr/bin/time ]; then
	skip "peak RSS flat from 2 GiB to 4 TiB of physical address space: /usr/bin/time not installed"
else
	for top in 0x80000000 0x40000000000; do
		printf 'osrelease 6.1.0-sparse\ncpus 2\nload 0x1000000 0x400000 mixed 1\nload %#x 0x400000 mixed 2\n' \
			$((top - 0x400000)) >"$OUT/sparse-$top.vmdesc"
		"$GEN" "$OUT/sparse-$top.vmdesc" "$B/cases/sparse-$top.vmcore" 2>"$OUT/gen-sparse.err"
	done
	for mode in "-l -d 1" "-E -d 1" "-F -z -d 1" "--split -d 1"; do
		# shellcheck disable=SC2086
		core=$B/cases/sparse-0x80000000.vmcore peak_rss rss-small $mode
		st=$rc small=$rss
		# shellcheck disable=SC2086
		core=$B/cases/sparse-0x40000000000.vmcore peak_rss rss-large $mode
		[ $rc -ne 0 ] && st=$rc
		large=$rss
		[ $st -eq 0 ] && [ "$large" -le $((small + 16384)) ] || st=1
		verdict "peak RSS $mode: ${large} KiB at max_pfn 4 TiB, ${small} KiB at 2 GiB (at most 16 MiB more)" \
			$st "$OUT/rss-small.err" "$OUT/rss-large.err"
	done
fi

# --- options ------------------------------------------------------------------
core=$B/cases/small.vmcore
run dry "$VD" --filter=none -d 1 -c --dry-run "$core" "$OUT/dry.kdump"
verdict "--dry-run writes nothing" $((rc != 0 || $(find "$OUT" -maxdepth 1 -name "dry.kdump*" | wc -l))) "$OUT/dry.err"

run progress "$VD" --filter=none -d 0 --progress --message-level 31 "$core" "$OUT/progress.kdump"
grep -q "100.0%" "$OUT/progress.err"
verdict "--progress prints progress on a pipe" $((rc != 0 || $? != 0)) "$OUT/progress.err"

grep -q "pages to keep from: all RAM pages" "$OUT/progress.err"
verdict "the bitmap source is named on stderr" $? "$OUT/progress.err"

run quiet "$VD" --filter=none -d 0 --message-level 4 "$core" "$OUT/quiet.kdump"
verdict "--message-level 4 prints nothing on success" $((rc != 0 || $(wc -c <"$OUT/quiet.err") != 0)) "$OUT/quiet.err"

start=$(date +%s.%N)
run rate "$VD" --filter=none -d 0 --max-rate 4 "$core" "$OUT/rate.kdump"
secs=$(echo "$(date +%s.%N) - $start" | bc)
# 1.5 MB of raw pages at 4 MB/s, less the quarter second of burst.
verdict "--max-rate 4 takes at least 0.1 s for 1.5 MB ($secs s)" \
	$((rc != 0 || $(echo "$secs < 0.1" | bc))) "$OUT/rate.err"

run exists "$VD" --filter=none "$core" "$OUT/progress.kdump"
grep -q "exists" "$OUT/exists.err"
verdict "an existing DUMPFILE is refused without -f" $((rc != 1 || $? != 0)) "$OUT/exists.err"
run force "$VD" --filter=none -f "$core" "$OUT/progress.kdump"
verdict "-f overwrites it" $rc "$OUT/force.err"

run unknown "$VD" --no-such-option "$core" "$OUT/x"
grep -q "usage" "$OUT/unknown.err"
verdict "an unknown option exits 2 with the usage" $((rc != 2 || $? != 0)) "$OUT/unknown.err"
run noargs "$VD" -d 31 "$core"
verdict "a missing DUMPFILE exits 2" $((rc != 2)) "$OUT/noargs.err"
run baddl "$VD" -d 32 "$core" "$OUT/x"
verdict "-d 32 exits 2" $((rc != 2)) "$OUT/baddl.err"
run combo "$VD" -E -F "$core"
verdict "-E with -F exits 2" $((rc != 2)) "$OUT/combo.err"
"$VD" --help >"$OUT/help.out" 2>&1
verdict "--help exits 0 and shows the usage" $(($? != 0 || ! $(grep -c usage "$OUT/help.out"))) "$OUT/help.out"

# --- bad input ----------------------------------------------------------------
# expect_fail TAG PATTERN CMD...: exit 1 with PATTERN in the message.
expect_fail() {
	local tag=$1 pattern=$2
	shift 2
	run "$tag" "$@"
	if [ "$rc" -eq 1 ] && grep -qi -- "$pattern" "$OUT/$tag.err"; then
		return 0
	fi
	echo "exit $rc" >>"$OUT/$tag.err"
	return 1
}

printf 'not a core\n%.0s' {1..100} >"$OUT/garbage"
expect_fail garbage "not an ELF" "$VD" --filter=none "$OUT/garbage" "$OUT/g.kdump"
verdict "a file that is not an ELF core: exit 1, 'not an ELF file'" $? "$OUT/garbage.err"

head -c 600000 "$B/cases/holes.vmcore" >"$OUT/truncated.vmcore"
expect_fail truncated "truncated" "$VD" --filter=none "$OUT/truncated.vmcore" "$OUT/t.kdump"
verdict "a truncated vmcore: exit 1, 'truncated'" $? "$OUT/truncated.err"

printf 'osrelease 6.1.0-novi\nno-vmcoreinfo\nload 0x0 0x10000 pattern 1\n' >"$OUT/novi.vmdesc"
"$GEN" "$OUT/novi.vmdesc" "$OUT/novi.vmcore" 2>/dev/null
expect_fail novi "VMCOREINFO" "$VD" --filter=none "$OUT/novi.vmcore" "$OUT/n.kdump"
verdict "a vmcore without VMCOREINFO: exit 1, names VMCOREINFO" $? "$OUT/novi.err"

expect_fail notdev "vmcore_filter device" "$VD" --filter=device --device /dev/null "$core" "$OUT/d.kdump"
verdict "--filter=device on a device that is not vmcore_filter: exit 1" $? "$OUT/notdev.err"

expect_fail nodev "No such file" "$VD" --filter=device --device "$OUT/no-such-device" "$core" "$OUT/d.kdump"
verdict "--filter=device without the device: exit 1" $? "$OUT/nodev.err"

run autonodev "$VD" --filter=auto --device "$OUT/no-such-device" -d 1 "$core" "$OUT/auto.kdump"
grep -q "all RAM pages" "$OUT/autonodev.err"
verdict "--filter=auto without a device at -d 1 dumps all RAM pages and says so" \
	$((rc != 0 || $? != 0)) "$OUT/autonodev.err"

expect_fail noclasses "page classes" "$VD" --report --filter=none "$core"
verdict "--report without a source of page classes: exit 1" $? "$OUT/noclasses.err"

expect_fail dmesg-synthetic "init_top_pgt\|prb" "$VD" --dump-dmesg "$core" "$OUT/dmesg.txt"
verdict "--dump-dmesg on a vmcore without page tables: exit 1, names what is missing" \
	$? "$OUT/dmesg-synthetic.err"

expect_fail toelf-bad "KDUMP\|kdump" "$VD" --to-elf "$core" "$OUT/bad.elf"
verdict "--to-elf of a file that is not kdump-compressed: exit 1" $? "$OUT/toelf-bad.err"

# --- ENOSPC and SIGTERM: flagged INCOMPLETE, left as NAME.incomplete -------------
enospc_dir=
# shellcheck disable=SC2317	# called by the trap
cleanup() {
	if [ -n "$enospc_dir" ]; then
		umount "$enospc_dir" 2>/dev/null
		rmdir "$enospc_dir"
	fi
}
trap cleanup EXIT

# incomplete_ok TAG FILE CORE: exit 1, FILE.incomplete flagged, no FILE,
# and what is in it reads back right.
incomplete_ok() {
	local tag=$1 f=$2 core=$3 status
	[ "$rc" -eq 1 ] || { echo "exit $rc"; return 1; }
	[ ! -e "$f" ] || { echo "$f exists"; return 1; }
	[ -f "$f.incomplete" ] || { echo "no $f.incomplete"; return 1; }
	grep -q "$f.incomplete" "$OUT/$tag.err" || { echo "stderr does not name $f.incomplete"; return 1; }
	status=$(header_status "$f.incomplete")
	[ $((status & 8)) -ne 0 ] || { echo "status $status lacks INCOMPLETE (8)"; return 1; }
	"$CHECK" --incomplete "$core" own "$f.incomplete"
}

if [ "$(id -u)" -ne 0 ]; then
	skip "ENOSPC: not root, cannot mount a small tmpfs"
else
	enospc_dir=$(mktemp -d /tmp/vmcf-collector-enospc.XXXXXX)
	if msg=$(mount -t tmpfs -o size=256k vmcf-collector-enospc "$enospc_dir" 2>&1); then
		core=$B/cases/holes.vmcore
		f=$enospc_dir/dump
		run enospc "$VD" --filter=none -d 0 --num-threads 2 "$core" "$f"
		incomplete_ok enospc "$f" "$core" >"$OUT/enospc.chk" 2>&1
		st=$?
		grep -q "No space left on device" "$OUT/enospc.err" || st=1
		verdict "ENOSPC: exit 1, the error names the file and errno, $f.incomplete is flagged INCOMPLETE and reads back" \
			$st "$OUT/enospc.err" "$OUT/enospc.chk"
		rm -f "$f" "$f.incomplete"
		run enospc-elf "$VD" --filter=none -d 0 -E "$core" "$f"
		st=$(( rc != 1 ))
		[ -f "$f.incomplete" ] && [ ! -e "$f" ] || st=1
		grep -q "No space left on device" "$OUT/enospc-elf.err" || st=1
		verdict "ENOSPC with -E: exit 1, left as $f.incomplete" $st "$OUT/enospc-elf.err"
	else
		skip "ENOSPC: mount tmpfs: $msg"
	fi
fi

core=$B/cases/holes.vmcore
f=$OUT/sigterm.kdump
rm -f "$f" "$f.incomplete"
"$VD" --filter=none -d 0 --max-rate 1 "$core" "$f" 2>"$OUT/sigterm.err" &
pid=$!
sleep 1.5
kill -TERM $pid
wait $pid
rc=$?
incomplete_ok sigterm "$f" "$core" >"$OUT/sigterm.chk" 2>&1
st=$?
grep -q "signal 15" "$OUT/sigterm.err" || st=1
verdict "SIGTERM mid-dump: exit 1, left as NAME.incomplete, flagged INCOMPLETE" $st \
	"$OUT/sigterm.err" "$OUT/sigterm.chk"

# --- saved vmcores of real kernels -----------------------------------------------
# Each directory under $TESTDUMPS has a vmcore, and its vmlinux beside it or
# named in a README ("vmlinux PATH").
real_dumps=()
for d in "$TESTDUMPS"/*/; do
	[ -f "$d/vmcore" ] && real_dumps+=("${d%/}")
done
if [ ${#real_dumps[@]} -eq 0 ]; then
	skip "--dump-dmesg matches drgn's log: no saved vmcore in $TESTDUMPS"
	skip "--report and -d 31 with the userspace filter: no saved vmcore in $TESTDUMPS"
fi

# drgn's get_dmesg(), with the bytes escaped as dmesg.c does.
drgn_dmesg() {	# VMLINUX VMCORE
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import sys, drgn
from drgn.helpers.linux.printk import get_printk_records
prog = drgn.Program()
prog.set_core_dump(sys.argv[2])
prog.load_debug_info([sys.argv[1]])
out = sys.stdout.buffer
for r in get_printk_records(prog):
    text = b"".join(bytes([c]) if c >= 0x20 and c != 0x7f or c in (9, 10)
                    else b"\\x%02x" % c for c in r.text)
    out.write(b"[%5d.%06d] %s\n" % (r.timestamp // 1000000000,
              r.timestamp % 1000000000 // 1000, text))
EOF
}

for d in "${real_dumps[@]}"; do
	name=$(basename "$d")
	core=$d/vmcore
	# vmlinux beside the vmcore, else a "vmlinux PATH" line in README.
	vmlinux=$d/vmlinux
	[ -e "$vmlinux" ] || vmlinux=$(awk '$1 == "vmlinux" { print $2 }' "$d/README" 2>/dev/null)

	run "$name-dmesg" "$VD" --dump-dmesg "$core" "$OUT/$name.dmesg"
	st=$rc
	if [ $st -eq 0 ] && [ -n "$vmlinux" ] && [ -f "$vmlinux" ] && [ -x /usr/bin/python3 ]; then
		if drgn_dmesg "$vmlinux" "$core" >"$OUT/$name.drgn-dmesg" 2>"$OUT/$name.drgn.err"; then
			diff -u "$OUT/$name.drgn-dmesg" "$OUT/$name.dmesg" >"$OUT/$name.dmesg.diff"
			st=$?
			verdict "$name: --dump-dmesg matches drgn's log ($(wc -l <"$OUT/$name.dmesg") lines)" \
				$st "$OUT/$name-dmesg.err" "$OUT/$name.dmesg.diff"
		else
			skip "$name: --dump-dmesg matches drgn's log: drgn failed: $(tail -n 1 "$OUT/$name.drgn.err")"
		fi
	elif [ $st -eq 0 ]; then
		skip "$name: --dump-dmesg matches drgn's log: no vmlinux in $d"
	else
		verdict "$name: --dump-dmesg" $st "$OUT/$name-dmesg.err"
	fi

	# The same log from a dump written by makedumpfile, when there is one.
	if [ -f "$d/mkdf31" ] && [ -f "$OUT/$name.dmesg" ]; then
		run "$name-mkdf-dmesg" "$VD" --dump-dmesg "$d/mkdf31" "$OUT/$name-mkdf.dmesg"
		cmp -s "$OUT/$name-mkdf.dmesg" "$OUT/$name.dmesg"
		verdict "$name: --dump-dmesg reads makedumpfile's -d 31 dump too" \
			$((rc != 0 || $? != 0)) "$OUT/$name-mkdf-dmesg.err"
	fi

	# Every page, both formats and the conversion; crash and drgn read them.
	f=$OUT/$name-d1.kdump
	run "$name-d1" "$VD" --filter=none -d 1 -l "$core" "$f"
	st=$rc
	if [ $st -eq 0 ]; then
		"$CHECK" --all --level 1 "$core" own "$f" >"$OUT/$name-d1.own" 2>&1
		st=$?
	fi
	verdict "$name: -d 1 -l --filter=none: every RAM page reads back" $st \
		"$OUT/$name-d1.err" "$OUT/$name-d1.own"
	version=$(dd if="$f" bs=1 skip=207 count=64 status=none | tr -d '\0')
	case $version in
	"#"*) ok "$name: utsname.version from init_uts_ns ($version)" ;;
	*) fail "$name: utsname.version from init_uts_ns: got '$version'" ;;
	esac
	run "$name-E" "$VD" --filter=none -d 1 -E "$core" "$OUT/$name-d1.elf"
	verdict "$name: -d 1 -E" $rc "$OUT/$name-E.err"
	run "$name-toelf" "$VD" --to-elf "$f" "$OUT/$name-toelf.elf"
	verdict "$name: --to-elf of the -d 1 dump" $rc "$OUT/$name-toelf.err"
	for out in "$f" "$OUT/$name-d1.elf" "$OUT/$name-toelf.elf"; do
		[ -f "$out" ] || continue
		what="$name: $(basename "$out")"
		if [ ! -e "$vmlinux" ]; then
			skip "$what: crash and drgn read it: no vmlinux"
			continue
		fi
		if drgn_dmesg "$vmlinux" "$out" >"$out.drgn-dmesg" 2>"$out.drgn.err"; then
			cmp -s "$out.drgn-dmesg" "$OUT/$name.dmesg"
			verdict "$what: drgn reads the same log from it" $? "$out.drgn.err"
		else
			verdict "$what: drgn reads it" 1 "$out.drgn.err"
		fi
		if [ "$name" != 6.1 ]; then
			# crash 8.0.2's gdb segfaults on 6.12 (see Documentation/testing.rst)
			echo "# $what: crash 8.0.2 cannot read $name kernels; drgn only"
		elif command -v crash >/dev/null; then
			selftests/lib/crash_summary.sh "$vmlinux" "$out" >"$out.crash" 2>&1
			grep -q "sysrq_handle_crash at" "$out.crash" && grep -q "TOTAL MEM" "$out.crash"
			verdict "$what: crash unwinds the crashed CPU and runs kmem -i" $? "$out.crash"
		else
			skip "$what: crash reads it: crash not installed"
		fi
	done

	# Full-size copies of a real dump: keep the logs, not the gigabytes.
	rm -f "$OUT/$name-d1.kdump" "$OUT/$name-d1.elf" "$OUT/$name-toelf.elf"

	run "$name-report" "$VD" --report --filter=userspace -d 31 "$core" >"$OUT/$name.report"
	st=$rc
	grep -q "^total" "$OUT/$name.report" || st=1
	verdict "$name: --report --filter=userspace prints the class table" $st \
		"$OUT/$name-report.err" "$OUT/$name.report"

	f=$OUT/$name-d31.kdump
	run "$name-d31" "$VD" --filter=userspace -d 31 -l "$core" "$f"
	st=$rc
	if [ $st -eq 0 ]; then
		"$CHECK" --level 31 "$core" own "$f" >"$OUT/$name-d31.own" 2>&1
		st=$?
	fi
	if [ $st -eq 0 ]; then
		"$CHECK" "$core" libkdumpfile "$f" >"$OUT/$name-d31.lkdf" 2>&1
		st=$?
	fi
	verdict "$name: -d 31 --filter=userspace: kept pages read back ($(head -n 1 "$OUT/$name-d31.own" 2>/dev/null))" \
		$st "$OUT/$name-d31.err" "$OUT/$name-d31.own" "$OUT/$name-d31.lkdf"
	if [ $st -eq 0 ]; then
		run "$name-d31-dmesg" "$VD" --dump-dmesg "$f" "$OUT/$name-d31.dmesg"
		cmp -s "$OUT/$name-d31.dmesg" "$OUT/$name.dmesg"
		verdict "$name: the -d 31 dump holds the same log as the vmcore" \
			$((rc != 0 || $? != 0)) "$OUT/$name-d31-dmesg.err"
	fi
done
exit 0
