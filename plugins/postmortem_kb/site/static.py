"""What every site of the plugin needs besides its pages: the stylesheet and scripts it
adds, and the Markdown extensions its pages are written for.

No MkDocs here: ``postmortem generate`` copies the same files and names the same extensions.
"""

from __future__ import annotations

from pathlib import Path

STYLESHEET = "assets/postmortem-kb/postmortem-kb.css"
FILTER_SCRIPT = "assets/postmortem-kb/archive-filter.js"
SORT_SCRIPT = "assets/postmortem-kb/sortable-tables.js"
ASSETS = (STYLESHEET, FILTER_SCRIPT, SORT_SCRIPT)
REQUIRED_EXTENSIONS = ("tables", "attr_list", "md_in_html", "admonition", "toc")
DASHBOARD_MARKER = "<!-- postmortems:dashboard -->"  # where a docs page shows the dashboard


def asset(uri: str) -> Path:
    """The file of one of ``ASSETS``, in the package."""
    return Path(__file__).parent / "assets" / Path(uri).name
