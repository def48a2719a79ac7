"""Tests of ``postmortem_kb.cli``: the ``postmortem`` command."""
