"""`mkdocs serve` watches the postmortem folder (outside docs/) and rebuilds on change."""

from __future__ import annotations

from pathlib import Path

from helpers import PAGE, wait_for


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
