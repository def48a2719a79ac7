"""Tests of ``postmortem_kb.source``: reading front matter, bodies, catalogs and git changes."""
