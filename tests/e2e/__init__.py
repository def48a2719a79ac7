"""Whole-product tests across layers: browser, builds, serve, pre-commit, CI workflow."""
