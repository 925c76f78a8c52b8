#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The documentation: every Documentation/*.rst starts with its SPDX line and
# is listed in a toctree of Documentation/index.rst, and Sphinx builds the
# whole set as HTML with -W (any warning fails), from scratch so that no
# warning hides behind an earlier build.  A missing sphinx-build is a
# failure, not a skip: make deps installs python3-sphinx.
. "$(dirname "$0")/lib/common.sh"

docs=$top/Documentation
index=$docs/index.rst

# The toctree entries of index.rst: the indented lines after each
# ".. toctree::" that are neither options (":maxdepth: 2") nor blank.
toctree_entries() {
	awk '
		/^\.\. toctree::/ { in_tree = 1; next }
		in_tree && /^[^ \t]/ { in_tree = 0 }
		in_tree && NF && $1 !~ /^:/ { print $1 }
	' "$index"
}

if [ ! -f "$index" ]; then
	fail "Documentation/index.rst exists"
else
	entries=$(toctree_entries)
	for f in "$docs"/*.rst; do
		name=$(basename "$f" .rst)
		what="Documentation/$name.rst: SPDX line first"
		[ "$name" = index ] || what="$what, in the toctree of index.rst"
		if [ "$(head -n 1 "$f")" != ".. SPDX-License-Identifier: GPL-2.0" ]; then
			fail "$what (the first line is not '.. SPDX-License-Identifier: GPL-2.0')"
		elif [ "$name" != index ] && ! grep -qx "$name" <<<"$entries"; then
			fail "$what (not listed in a toctree)"
		else
			ok "$what"
		fi
	done
	for e in $entries; do
		[ -f "$docs/$e.rst" ] || fail "toctree entry '$e' of index.rst has a file"
	done
fi

if ! command -v sphinx-build > /dev/null 2>&1; then
	fail "sphinx-build is installed (python3-sphinx: make deps)"
	exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# -E: a fresh environment, so every document is read and warns again.
sphinx-build -E -W --keep-going -q -b html -d "$out/doctrees" "$docs" "$out/html" \
	> "$out/log" 2>&1
rc=$?
warnings=$(grep -c -E 'WARNING|ERROR|SEVERE' "$out/log")
if [ $rc -eq 0 ] && [ "$warnings" -eq 0 ] && [ -f "$out/html/index.html" ]; then
	ok "sphinx-build -W builds Documentation/ as HTML with no warning ($(sphinx-build --version))"
else
	fail "sphinx-build -W builds Documentation/ as HTML with no warning (exit $rc, $warnings warnings)"
	sed 's/^/  | /' "$out/log" | head -n 40
	exit 1
fi
