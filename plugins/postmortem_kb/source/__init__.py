"""Discovering and reading files: front matter with positions, Markdown blocks, catalogs, git."""
