"""Tests of ``postmortem_kb.check``: every rule, its position and its fix."""
