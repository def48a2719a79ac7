"""The parse floor of ``postmortem check``: read every file, parse its front matter, nothing else.

    python bench/parse_floor.py ARCHIVE_DIR

Splits each file on its ``---`` lines and parses the YAML between them with
``yaml.CSafeLoader``. Run as a subprocess by ``bench/run.py``, so interpreter start-up and
``import yaml`` count on both sides of the check ratio.
"""

from __future__ import annotations

import os
import sys

import yaml


def main(root: str) -> int:
    parsed = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in sorted(files):
            if not name.endswith(".md") or name.startswith((".", "_")):
                continue
            # os.path and open() on purpose: this is the floor, keep it minimal.
            with open(os.path.join(folder, name), encoding="utf-8") as handle:  # noqa: PTH118, PTH123
                lines = handle.read().split("\n")
            if not lines or lines[0].rstrip() != "---":
                continue
            end = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
            if end is None:
                continue
            yaml.load("\n".join(lines[1:end]), Loader=yaml.CSafeLoader)
            parsed += 1
    print(parsed)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
