"""Where the plugin's time goes in a real `mkdocs build`: CPU seconds per phase.

Run it in a site folder (for example `.bench/n5000-s1/plugin`); remove `.cache/` first for a
cold build. It wraps the plugin's steps with timers and builds as `mkdocs build` does.

    cd .bench/n5000-s1/plugin && ../../../.venv/bin/python ../../../bench/phases.py
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config

from postmortem_kb.archive import archive, cache
from postmortem_kb.site import plugin, renderer

SPENT: dict[str, float] = {}  # by label, in the order the phases are declared


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its CPU time to ``SPENT[label]``."""
    real: Callable[..., Any] = getattr(owner, name)
    SPENT[label] = 0.0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return real(*args, **kwargs)
        finally:
            SPENT[label] += time.process_time() - start

    setattr(owner, name, wrapper)


def main() -> None:
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1780272000")
    timed(plugin, "load_archive", "load the archive (all of it)")
    timed(archive, "check_content", "  check files (cache misses)")
    timed(cache.CheckCache, "get", "  read cached checks")
    timed(cache.CheckCache, "save", "  write the cache")
    timed(plugin, "build_index", "index the archive")
    timed(renderer.SiteRenderer, "postmortem", "render postmortem cards and tables")
    timed(renderer.SiteRenderer, "page", "render generated pages")
    timed(plugin, "write_exports", "write the exports")
    start = time.process_time()
    build(load_config("mkdocs.yml"))
    total = time.process_time() - start
    for label, seconds in SPENT.items():
        print(f"{seconds:7.2f} s  {label}")
    print(f"{total:7.2f} s  the whole build (CPU)")


if __name__ == "__main__":
    main()
