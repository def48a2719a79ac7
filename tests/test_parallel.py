"""Checking in worker processes gives the same findings, in the same order."""

from __future__ import annotations

from pathlib import Path

from conftest import PM_ID, postmortem_text, valid_meta
from postmortem_kb.archive.archive import PARALLEL_THRESHOLD, load_archive
from postmortem_kb.model.settings import Settings


def test_workers_report_the_same_findings_in_the_same_order(tmp_path: Path) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    for number in range(PARALLEL_THRESHOLD + 20):
        meta = valid_meta()
        if number % 7 == 0:
            meta["severity"] = "SEV9"
        if number % 11 == 0:
            meta["tags"] = "not a list"
        text = postmortem_text(meta)
        if number % 13 == 0:
            text = text.replace("## Impact", "## Effects")
        (folder / f"{PM_ID}-{number:04d}.md").write_text(text)
    (folder / f"{PM_ID}-dup.md").write_text(postmortem_text(valid_meta()))
    (folder / "sub").mkdir()
    (folder / "sub" / f"{PM_ID}-dup.md").write_text(postmortem_text(valid_meta()))
    serial = load_archive(folder, tmp_path, Settings())
    parallel = load_archive(folder, tmp_path, Settings(), workers=2)
    assert len(parallel.postmortems) == len(serial.postmortems) == PARALLEL_THRESHOLD + 22
    assert parallel.findings() == serial.findings()
    rules = {f.rule for f in serial.findings()}
    assert rules == {"unknown-severity", "invalid-value", "missing-section", "duplicate-id"}
    assert [pm.slug for pm in parallel.postmortems] == [pm.slug for pm in serial.postmortems]
