"""Pure checks from a file's content to findings: front matter, structure, cross-file, language."""
