#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Export a topic branch of a kernel git tree as patches/VERSION/TOPIC/.

usage: export-patches.py KERNEL_TREE BASE VERSION TOPIC

Runs git format-patch --cover-letter --base=BASE for BASE..HEAD and keeps
the cover letter's subject and text from the previous export (format-patch
would reset them to its placeholders); a first export leaves them for you
to write.  Then run checkpatch.pl --strict on the result.
"""
import pathlib
import re
import shutil
import subprocess
import sys


def old_cover(path):
    if not path.exists():
        return None
    text = path.read_text()
    subject = re.search(r"^Subject: \[PATCH[^\]]*\] (.*(?:\n [^\n]*)*)", text, re.M)
    body = text.split("\n\n", 1)[1]
    blurb = re.split(r"\n[^\n]+ \(\d+\):\n", body)[0]
    return subject.group(1), blurb


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    tree, base, version, topic = sys.argv[1:]
    top = pathlib.Path(__file__).resolve().parent.parent
    out = top / "patches" / version / topic
    kept = old_cover(out / "0000-cover-letter.patch")
    if out.exists():
        shutil.rmtree(out)
    subprocess.run(["git", "-C", tree, "format-patch", "-q", "--cover-letter",
                    f"--base={base}", "-o", str(out), f"{base}..HEAD"], check=True)
    if kept:
        cover = out / "0000-cover-letter.patch"
        text = cover.read_text()
        text = text.replace("*** SUBJECT HERE ***", kept[0], 1)
        text = text.replace("*** BLURB HERE ***", kept[1].rstrip("\n"), 1)
        cover.write_text(text)
    print("\n".join(sorted(p.name for p in out.iterdir())))


if __name__ == "__main__":
    main()
