"""Atomic writes: readers see the old file or the new one, with a new file's usual mode."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from postmortem_kb.source.atomic import write_atomically, write_temporary


@pytest.fixture
def umask_022() -> object:
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.mark.usefixtures("umask_022")
def test_written_files_are_readable_by_the_web_server(tmp_path: Path) -> None:
    export = tmp_path / "site" / "action-items.json"
    write_atomically(export, ["[", "]"])
    assert export.read_text() == "[]"
    assert stat.S_IMODE(export.stat().st_mode) == 0o644
    temp = write_temporary(tmp_path / "new.md", "text")
    assert stat.S_IMODE(temp.stat().st_mode) == 0o644


@pytest.mark.usefixtures("umask_022")
def test_replacing_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("old")
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
