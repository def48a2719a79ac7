"""``postmortem generate``, run as a real subprocess in a temporary site."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from helpers import write_postmortem


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m postmortem_kb.cli generate ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "postmortem_kb.cli", "generate", *args],
        cwd=cwd,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1773489600", "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_generate_prints_the_configuration_to_paste(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: KB\nplugins:\n  - postmortems\n")
    write_postmortem(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\n<!-- postmortems:dashboard -->\n")
    result = run(tmp_path, "--into", "docs")
    assert result.returncode == 0, result.stderr
    assert "postmortem generate: wrote " in result.stderr
    assert "docs/index.md shows the dashboard only with the plugin; link to dashboard.md" in (
        result.stderr
    )
    config = yaml.safe_load(result.stdout)
    assert {"Postmortems": "postmortems/index.md"} in config["nav"]
    assert config["extra_css"] == ["assets/postmortem-kb/postmortem-kb.css"]
    assert "/postmortems/*.md" in config["not_in_nav"].splitlines()
    for path in [*config["extra_css"], *config["extra_javascript"]]:
        assert (tmp_path / "docs" / path).is_file()


def test_a_file_in_the_way_is_a_clear_error(tmp_path: Path) -> None:
    write_postmortem(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "needs-attention.md").write_text("# Ours\n")
    result = run(tmp_path, "--into", "docs")
    assert (result.returncode, result.stdout) == (2, "")
    assert "docs/needs-attention.md' exists and was not written by" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "docs" / "needs-attention.md").read_text() == "# Ours\n"


def test_a_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path, "--into", "docs", "--config", "missing.yml")
    assert result.returncode == 2
    assert "'missing.yml' does not exist" in result.stderr
    assert not (tmp_path / "docs").exists()


def test_a_missing_postmortem_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path, "--into", "docs")
    assert result.returncode == 2
    assert f"the postmortem folder '{tmp_path / 'postmortems'}' does not exist" in result.stderr
    assert not (tmp_path / "docs").exists()
