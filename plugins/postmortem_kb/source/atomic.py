"""Write files so that readers see the old file or the complete new one, never a part."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_temporary(path: Path, content: str | Iterable[str], *, durable: bool = True) -> Path:
    """Write ``content`` (text, or its pieces) to a new temporary file beside ``path``,
    flushed to disk if ``durable``."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _new_file_mode())  # mkstemp makes it private; a new file is not
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            if isinstance(content, str):
                handle.write(content)
            else:
                handle.writelines(content)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return Path(temp)


def write_atomically(path: Path, content: str | Iterable[str]) -> None:
    """Create or replace ``path`` atomically, for build outputs such as exports.

    Readers see the old file or the new one. Not flushed to disk: like every page of a
    build, an export is rebuilt rather than recovered after a crash.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = write_temporary(path, content, durable=False)
    try:
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)


def _new_file_mode() -> int:
    """The mode ``open()`` gives a new file: readable by all, as the umask allows."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
