#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh VERSION FLAVOUR
#
# Build a test kernel from Debian's linux-source-VERSION tarball.
#   VERSION  6.1 or 6.12
#   FLAVOUR  patched (patches/VERSION/series applied with git am -3) or stock
#
# Products are cached outside the clone, keyed by the source package version,
# the patches' content, the config fragments and this script, so a second run
# (another CI run on the same machine) only links them.  build/kernels/VERSION-FLAVOUR
# points at the cached tree, which holds bzImage, vmlinux and a tree modules
# can be built against (make -C ... M=).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=${1:?usage: build-kernel.sh VERSION patched|stock}
flavour=${2:?usage: build-kernel.sh VERSION patched|stock}
cache=${VMCF_CACHE:-/var/cache/vmcore_filter}
jobs=${JOBS:-$(nproc)}

die() { echo "build-kernel: $*" >&2; exit 1; }

case "$flavour" in patched|stock) ;; *) die "unknown flavour '$flavour'";; esac
tarball=/usr/src/linux-source-$version.tar.xz
[ -f "$tarball" ] || die "$tarball missing (make deps installs linux-source-$version)"
srcver=$(dpkg-query -W -f='${Version}' "linux-source-$version")

# The ordered list of patch files: topics in series order, patches in
# format-patch order inside each topic, cover letters left out.
patch_files=()
if [ "$flavour" = patched ]; then
	series=$top/patches/$version/series
	[ -f "$series" ] || die "$series missing"
	while read -r topic _; do
		case "$topic" in ''|'#'*) continue;; esac
		[ -d "$top/patches/$version/$topic" ] ||
			die "series names topic '$topic' but patches/$version/$topic does not exist"
		for p in "$top/patches/$version/$topic"/[0-9][0-9][0-9][0-9]-*.patch; do
			[ -e "$p" ] || continue
			case "$(basename "$p")" in 0000-cover-letter.patch) continue;; esac
			patch_files+=("$p")
		done
	done < "$series"
fi

configs=("$top/configs/common.config" "$top/configs/$version.config")
key=$( {
	echo "$version $srcver"
	cat "$0" "${configs[@]}"
	for p in "${patch_files[@]}"; do cat "$p"; done
} | sha256sum | cut -c1-16)

out=$cache/linux-$version-$key
link=$top/build/kernels/$version-$flavour
mkdir -p "$cache" "$top/build/kernels"

exec 9>"$cache/.lock-$version"
flock 9

if [ -f "$out/.done" ]; then
	ln -sfn "$out" "$link"
	echo "build-kernel: $version-$flavour: cached $out (linux-source-$version $srcver, ${#patch_files[@]} patches)"
	exit 0
fi

gitc() { git -c user.name=vmcore_filter -c user.email=vmcore_filter@localhost "$@"; }

# One pristine bare repository per source package version; each build clones
# it.  Bare, so the unpacked sources are not kept a second time.
base=$cache/src-$version-$srcver.git
if [ ! -f "$base/.done" ]; then
	echo "build-kernel: unpacking linux-source-$version $srcver"
	rm -rf "$base" "$base.tmp"
	mkdir -p "$base.tmp"
	tar -xJf "$tarball" -C "$base.tmp" --strip-components=1
	# The tarball's .gitignore ignores everything: add with -f.
	(cd "$base.tmp" && gitc init -q && gitc add -f -A . &&
		gitc commit -q -m "Debian linux-source-$version $srcver")
	gitc clone -q --bare "$base.tmp" "$base"
	rm -rf "$base.tmp"
	touch "$base/.done"
fi

echo "build-kernel: building $version-$flavour from linux-source-$version $srcver" \
	"with ${#patch_files[@]} patches (key $key)"
rm -rf "$out"
gitc clone -q "$base" "$out"
cd "$out"
for p in "${patch_files[@]}"; do
	if ! gitc am -q -3 "$p" >/dev/null 2>"$out.am.log"; then
		gitc am --abort >/dev/null 2>&1 || true
		cat "$out.am.log" >&2
		die "patch ${p#"$top"/} does not apply to linux-source-$version $srcver"
	fi
done
rm -f "$out.am.log"

make -s tinyconfig >/dev/null
scripts/kconfig/merge_config.sh -m .config "${configs[@]}" >/dev/null
make -s olddefconfig >/dev/null
# merge_config silently drops options whose dependencies are unmet: check.
bad=0
for c in "${configs[@]}"; do
	while read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qx "$line" .config || { echo "build-kernel: $line did not stick" >&2; bad=1; } ;;
		'# CONFIG_'*' is not set')
			opt=${line#\# }; opt=${opt%% *}
			! grep -q "^$opt=" .config || { echo "build-kernel: $opt should be off" >&2; bad=1; } ;;
		esac
	done < "$c"
done
[ $bad -eq 0 ] || die "config fragment not satisfied for $version"

start=$(date +%s)
make -s -j"$jobs" >/dev/null
echo "build-kernel: $version-$flavour built in $(( $(date +%s) - start )) s"
{
	echo "version=$version"
	echo "source=linux-source-$version $srcver"
	echo "kernelrelease=$(make -s kernelrelease)"
	echo "key=$key"
	for p in "${patch_files[@]}"; do echo "patch=${p#"$top"/}"; done
} > "$out/.vmcf-info"

# Keep what out-of-tree modules (make M=, DKMS), the readers and checkpatch
# need: configs, headers, Makefiles, scripts/ and tools/ (modpost, objtool),
# Module.symvers, vmlinux and bzImage.  The kernel's own objects and C
# sources go; they are half of a built tree and a CI machine's disk is not
# ours to fill.
before=$(du -sm . | cut -f1)
find . \( -path ./.git -o -path ./scripts -o -path ./tools \) -prune -o -type f \
	\( -name '*.o' -o -name '*.a' -o -name '.*.cmd' -o -name '*.c' -o -name '.tmp_vmlinux*' \) \
	-print0 | xargs -0 rm -f
rm -rf drivers/gpu/drm/amd/include
echo "build-kernel: $version-$flavour trimmed from $before to $(du -sm . | cut -f1) MiB"
touch "$out/.done"
ln -sfn "$out" "$link"

# Keep the cache bounded: the newest four trees of this version stay.
ls -dt "$cache/linux-$version-"*/ | tail -n +5 | xargs -r rm -rf
