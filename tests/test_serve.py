"""`mkdocs serve` watches the postmortem folder (outside docs/) and rebuilds on change."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_site import VALID, make_site

PAGE = "postmortems/2026-03-14-failover/"


def free_port() -> int:
    """Ask the OS for a free port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> str | None:
    """Return the body of ``url``, or None while the server is not answering."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def wait_for(url: str, text: str, seconds: float = 30) -> str:
    """Poll ``url`` until its body contains ``text``."""
    deadline = time.monotonic() + seconds
    body = None
    while time.monotonic() < deadline:
        body = fetch(url)
        if body is not None and text in body:
            return body
        time.sleep(0.3)
    raise AssertionError(f"{url} never contained {text!r}; last body: {(body or '')[:300]}")


@pytest.fixture
def served_site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Run `mkdocs serve` on a fixture site; yield its base URL and the postmortem file."""
    make_site(
        tmp_path, {"2026-03-14-failover.md": VALID.format(title="First title", status="draft")}
    )
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
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


def test_serve_rebuilds_when_a_postmortem_changes_and_survives_a_broken_save(
    served_site: tuple[str, Path],
) -> None:
    base, source = served_site
    wait_for(base + PAGE, "First title")
    original = source.read_text()
    source.write_text(original.replace("title: First title", "title: [half saved"))
    wait_for(base + PAGE, "yaml-syntax")  # the broken state is shown, the server lives on
    source.write_text(original.replace("First title", "Second title"))
    wait_for(base + PAGE, "Second title")
