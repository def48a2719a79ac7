"""Fixtures shared by every test folder; everything else shared lives in ``helpers.py``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    VALID,
    CheckArchive,
    WritePostmortem,
    browser_api,
    free_port,
    generator_command,
    make_site,
    run_check,
    write_postmortem,
)
from postmortem_kb.model.findings import Finding
from postmortem_kb.model.settings import Settings


@pytest.fixture
def write_pm(tmp_path: Path) -> WritePostmortem:
    """Write a postmortem into ``tmp_path/postmortems`` (valid and published by default)."""

    def write(*args: Any, **kwargs: Any) -> Path:
        return write_postmortem(tmp_path, *args, **kwargs)

    return write  # type: ignore[return-value]


@pytest.fixture
def check(tmp_path: Path) -> CheckArchive:
    """Check ``tmp_path/postmortems`` in-process: ``check(settings=None, files=None)``."""

    def run(settings: Settings | None = None, **kwargs: Any) -> list[Finding]:
        return run_check(tmp_path, settings, **kwargs)

    return run


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Run `mkdocs serve` on a fixture site; yield its base URL and the postmortem file."""
    make_site(
        tmp_path, {"2026-03-14-failover.md": VALID.format(title="First title", status="draft")}
    )
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        generator_command("serve", "--dev-addr", f"127.0.0.1:{port}"),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield f"http://127.0.0.1:{port}/", tmp_path / "postmortems" / "2026-03-14-failover.md"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's) for a test module; skipped without it on a developer
    machine, a failure in CI (``browser_api``)."""
    with browser_api().sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
