"""Tests of ``postmortem_kb.check.language``: the blameless-language rules."""
