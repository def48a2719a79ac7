"""Tests of ``postmortem_kb``; folders mirror its subpackages (see test_layout.py)."""
