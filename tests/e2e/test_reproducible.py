"""Two builds of the same input with the same SOURCE_DATE_EPOCH are byte-identical.

Each build runs `mkdocs build` in its own process, with a different hash seed (set and dict
orders of strings change), into a different site folder, from a copy of the sources with
different modification times. Every file of the two sites is compared byte for byte: the
pages, the search index, the sitemap and the machine exports.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import (
    CASES,
    REPO,
    SEARCH_INDEX,
    generator_command,
    make_site,
    site_files,
    write_repository,
)

EPOCH = "1795737600"  # 2026-11-27


def mkdocs_build(config: Path, site: Path, seed: str) -> None:
    """Run `mkdocs build` (not strict) in a fresh process."""
    result = subprocess.run(
        generator_command("build", "-q", "-f", str(config), "-d", str(site)),
        cwd=config.parent,
        env={
            **os.environ,
            "SOURCE_DATE_EPOCH": EPOCH,
            "NO_MKDOCS_2_WARNING": "1",
            "PYTHONHASHSEED": seed,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr


def assert_identical(first: Path, second: Path) -> None:
    """Same files, same bytes."""
    a, b = site_files(first), site_files(second)
    assert sorted(a) == sorted(b)
    differing = [name for name in a if a[name] != b[name]]
    assert differing == [], differing
    assert any(name.endswith("postmortems.json") for name in a)
    assert any(name.endswith("action-items.csv") for name in a)
    assert "sitemap.xml.gz" in a and SEARCH_INDEX in a
    assert "action-items.ics" in a  # and the calendars of each owner, team and person


def touch_all(folder: Path, when: int) -> None:
    """Give every file below ``folder`` another modification time (links untouched)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (when, when))


def test_fixture_archive_builds_byte_identical(tmp_path: Path) -> None:
    """The hostile and broken archive of test_robustness, from two copies of the sources."""
    first = tmp_path / "a" / "kb"
    config = make_site(first, {})
    write_repository(first, tmp_path / "outside", [c for c in CASES if not c.slow])
    second = tmp_path / "b" / "kb"
    shutil.copytree(first, second, symlinks=True)
    touch_all(second, 1_000_000_000)
    mkdocs_build(config, tmp_path / "site-1", seed="1")
    mkdocs_build(second / "mkdocs.yml", tmp_path / "site-2", seed="2")
    assert_identical(tmp_path / "site-1", tmp_path / "site-2")


def test_sample_archive_builds_byte_identical(tmp_path: Path) -> None:
    before = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "postmortems").rglob("*"))
    mkdocs_build(REPO / "mkdocs.yml", tmp_path / "site-1", seed="1")
    mkdocs_build(REPO / "mkdocs.yml", tmp_path / "site-2", seed="2")
    assert_identical(tmp_path / "site-1", tmp_path / "site-2")
    after = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "postmortems").rglob("*"))
    assert before == after


@pytest.mark.parametrize("epoch", ["1795737600", "1800000000"])
def test_source_date_epoch_is_the_only_clock(tmp_path: Path, epoch: str) -> None:
    """Exports record the build date from SOURCE_DATE_EPOCH, not the wall clock."""
    import datetime as dt
    import json

    config = make_site(tmp_path / "kb", {})
    write_repository(tmp_path / "kb", tmp_path / "outside", [c for c in CASES if c.name == "bom"])
    result = subprocess.run(
        generator_command("build", "-q", "-f", str(config), "-d", str(tmp_path / "s")),
        env={**os.environ, "SOURCE_DATE_EPOCH": epoch, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    day = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date().isoformat()
    exported = json.loads((tmp_path / "s" / "postmortems.json").read_text(encoding="utf-8"))
    assert exported["generated"] == day
