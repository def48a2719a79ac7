"""``postmortem check --watch``: a real process, a real file edited, its output read."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from helpers import FM, PM_ID, write_postmortem
from postmortem_kb.cli.watch import report_changes
from postmortem_kb.model.findings import Finding, Level

PM_FILE = f"postmortems/{PM_ID}.md"
SEV9 = (
    f"{PM_FILE}:5:11: error unknown-severity: severity 'SEV9' is not one of SEV1, SEV2, SEV3, SEV4"
)


class Watcher:
    """``postmortem check --watch`` running in ``cwd``, its output lines read as they come."""

    def __init__(self, cwd: Path, *paths: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "postmortem_kb.cli", "check", "--watch", *paths],
            cwd=cwd,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def round(self) -> list[str]:
        """The lines of one check, up to and including its summary line."""
        lines: list[str] = []
        while not lines or not lines[-1].startswith("checked "):
            lines.append(self.lines.get(timeout=30))
        return lines

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: the exit status and what was written to stderr."""
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr


def test_watch_prints_new_and_fixed_findings(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: T\nplugins:\n  - postmortems\n")
    path = write_postmortem(tmp_path, front_matter=FM)
    watcher = Watcher(tmp_path, PM_FILE)
    try:
        assert watcher.round() == ["checked 1 file: 0 errors, 0 warnings, 0 notes"]
        path.write_text(path.read_text().replace("SEV2", "SEV9"))
        assert watcher.round() == [
            SEV9,
            "    hint: did you mean one of 'SEV1', 'SEV2', 'SEV3', 'SEV4'?",
            "checked 1 file: 1 error, 0 warnings, 0 notes",
        ]
        path.write_text(path.read_text().replace("- 09:40 UTC — Writes", "- Writes"))
        assert watcher.round() == [
            f"{PM_FILE}:40:3: warning timeline-entry-without-time: "
            "timeline entry does not start with a time",
            "    hint: start the entry with its time ('- 09:12 UTC — ...'), or indent it by 4 "
            "spaces under the entry it belongs to",
            "checked 1 file: 1 error, 1 warning, 0 notes",
        ]
        path.write_text(path.read_text().replace("SEV9", "SEV2"))
        assert watcher.round() == [f"fixed: {SEV9}", "checked 1 file: 0 errors, 1 warning, 0 notes"]
    finally:
        status, stderr = watcher.interrupt()
    assert status == 0
    assert stderr == "watching 1 file; Ctrl-C stops\n"
    pack = (tmp_path / ".cache/plugin/postmortems/checks.jsonl").read_text()
    assert len(pack.splitlines()) == 4  # each version of the file, for the next build


def test_watch_sees_a_catalog_change(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    watcher = Watcher(tmp_path, PM_FILE)
    try:
        assert watcher.round()[-1] == "checked 1 file: 0 errors, 0 warnings, 0 notes"
        (tmp_path / "postmortems" / "causes.yml").write_text("- id: capacity\n")
        [unknown, _hint, summary] = watcher.round()
        assert unknown.startswith(f"{PM_FILE}:7:10: error unknown-cause:")
        assert summary == "checked 1 file: 1 error, 0 warnings, 0 notes"
    finally:
        assert watcher.interrupt()[0] == 0


def test_watch_sees_a_teams_change(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    watcher = Watcher(tmp_path, PM_FILE)
    try:
        assert watcher.round()[-1] == "checked 1 file: 0 errors, 0 warnings, 0 notes"
        teams = "teams:\n  team-dba:\n    members: [alice, bob, carol]\n"
        (tmp_path / "postmortems" / "teams.yml").write_text(teams)
        [unknown, hint, summary] = watcher.round()
        assert unknown.startswith(f"{PM_FILE}:20:12: error unknown-owner:")
        assert hint == "    hint: did you mean 'team-dba'?"
        assert summary == "checked 1 file: 1 error, 0 warnings, 0 notes"
    finally:
        assert watcher.interrupt()[0] == 0


def test_watch_needs_files_and_the_text_format(tmp_path: Path) -> None:
    write_postmortem(tmp_path, front_matter=FM)
    for args in (["--watch"], ["--watch", "--format", "json", PM_FILE]):
        result = subprocess.run(
            [sys.executable, "-m", "postmortem_kb.cli", "check", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2
        assert "--watch needs the files to watch, and the text format" in result.stderr


def finding(line: int, rule: str = "placeholder-text", message: str = "placeholder") -> Finding:
    """A note at ``line``."""
    return Finding(PM_FILE, line, 1, rule, Level.INFO, message)


def test_a_finding_that_moved_is_neither_new_nor_fixed() -> None:
    before = [finding(3), finding(9), finding(12, "other", "other problem")]
    after = [finding(4), finding(10), finding(11)]
    assert report_changes(before, after, 1).splitlines() == [
        f"{PM_FILE}:11:1: note placeholder-text: placeholder",
        f"fixed: {PM_FILE}:12:1: note other: other problem",
        "checked 1 file: 0 errors, 0 warnings, 3 notes",
    ]
