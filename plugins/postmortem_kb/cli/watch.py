"""``postmortem check --watch``: re-check files when they are saved, print what changed.

The files are polled (size, modification time and inode: no extra dependency, and editors
that save by renaming a new file over the old one are seen too). Each round re-checks every
watched file through the check cache (shared with the build), so a file that did not change
costs a hash, and prints only the findings that appeared and those that were fixed, then the
summary line.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path

from postmortem_kb.archive.cache import CheckCache
from postmortem_kb.cli.output import format_findings, text_line, text_lines, text_summary
from postmortem_kb.model.findings import Finding

INTERVAL = 0.1  # seconds between two looks at the files

Check = Callable[[], tuple[list[Finding], int]]  # -> findings, number of files checked
Stamp = tuple[int, int, int] | None  # inode, size, mtime in ns; None while missing


class HeldCache(CheckCache):
    """The check cache of a watch: read once, written once when the watch ends. Writing the
    pack, which holds every file of the archive, after each save would cost far more than
    the check (190 ms against 3 ms for one file of 5,000)."""

    def save(self, *, prune: bool) -> None:
        """Keep the new entries until ``write``."""

    def write(self) -> None:
        """Write the entries of the watch; the others stay."""
        super().save(prune=False)


def watch(paths: Sequence[Path], check: Check, echo: Callable[[str], None]) -> None:
    """Print every finding, then what changed each time one of ``paths`` changes, until
    Ctrl-C."""
    try:
        seen = _stamps(paths)  # before checking: a save during the check is seen
        findings, checked = check()
        echo(format_findings(findings, checked, "text"))
        while True:
            time.sleep(INTERVAL)
            now = _stamps(paths)
            if now == seen:
                continue
            while now != seen:  # a save may take a while: wait for an interval without change
                seen = now
                time.sleep(INTERVAL)
                now = _stamps(paths)
            before = findings
            findings, checked = check()
            echo(report_changes(before, findings, checked))
    except KeyboardInterrupt:
        return


def report_changes(before: Sequence[Finding], after: Sequence[Finding], checked: int) -> str:
    """New findings, then ``fixed: ...`` for those gone, then the summary line."""
    fixed = [f"fixed: {text_line(finding)}" for finding in _beyond(before, after)]
    return "\n".join([*text_lines(_beyond(after, before)), *fixed, text_summary(after, checked)])


def _same(finding: Finding) -> Hashable:
    """What makes two findings the same problem: a finding that only moved (lines were
    added above it) is neither new nor fixed."""
    return (finding.path, finding.rule, finding.level, finding.message, finding.suggestion)


def _beyond(findings: Sequence[Finding], others: Sequence[Finding]) -> list[Finding]:
    """The findings of ``findings`` that ``others`` does not have (as many times)."""
    left = Counter(_same(finding) for finding in others)
    extra = []
    for finding in findings:
        if left[_same(finding)]:
            left[_same(finding)] -= 1
        else:
            extra.append(finding)
    return extra


def _stamps(paths: Sequence[Path]) -> list[Stamp]:
    stamps: list[Stamp] = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((info.st_ino, info.st_size, info.st_mtime_ns))
    return stamps
