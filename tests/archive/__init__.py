"""Tests of ``postmortem_kb.archive``: the index, the exports and the check cache."""
