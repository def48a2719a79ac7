"""The ``postmortem`` command line tool (never imports MkDocs)."""

from postmortem_kb.cli.main import main

__all__ = ["main"]
