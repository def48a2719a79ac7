"""Tests of ``postmortem_kb.site``: the MkDocs plugin and its pages."""
