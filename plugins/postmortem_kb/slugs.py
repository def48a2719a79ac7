"""Slugs: lowercase ASCII letters, digits and hyphens, safe in file names, URLs and ids."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 60


def slugify(text: str) -> str:
    """Turn text into a slug; returns an empty string when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-")
