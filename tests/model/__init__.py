"""Tests of ``postmortem_kb.model``: records, findings, rules and settings."""
