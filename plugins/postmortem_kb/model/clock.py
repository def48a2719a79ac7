""" "Today" for a build: the real date, or the one fixed by ``SOURCE_DATE_EPOCH``."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    """Return today's date (UTC when ``SOURCE_DATE_EPOCH`` fixes it for reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
    return dt.date.today()
