"""Write files so that readers see the old file or the complete new one, never a part."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_temporary(path: Path, content: str) -> Path:
    """Write ``content`` to a new temporary file beside ``path`` and flush it to disk."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def write_atomically(path: Path, content: str) -> None:
    """Create or replace ``path`` atomically (used for build outputs such as exports)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = write_temporary(path, content)
    try:
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
