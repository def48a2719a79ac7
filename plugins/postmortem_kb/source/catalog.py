"""Optional catalogs of services and causes (``services.yml``, ``causes.yml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from postmortem_kb.model.front_matter import Text
from postmortem_kb.model.record import Positions
from postmortem_kb.model.report import Report
from postmortem_kb.source.front_matter import parse_yaml

SERVICES_FILE = "services.yml"
CAUSES_FILE = "causes.yml"


class CatalogEntry(BaseModel):
    """A service or a cause as described in its catalog."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Text
    name: Text | None = None
    description: Text | None = None
    owner: Text | None = None
    generic: bool = False  # a cause shared by unrelated incidents: relevance weighs it less

    @property
    def label(self) -> str:
        """The display name, falling back to the id."""
        return self.name or self.id


@dataclass(frozen=True)
class Catalog:
    """Entries of one catalog file, by id, and where each is in the file."""

    path: str
    entries: dict[str, CatalogEntry]
    positions: Positions = field(default_factory=Positions)  # of the YAML list
    index: dict[str, int] = field(default_factory=dict)  # id -> its entry's list index

    def position(self, entry_id: str, key: str) -> tuple[int, int]:
        """(line, column) of the value of ``key`` in the entry ``entry_id``."""
        return self.positions.of_value((self.index.get(entry_id, -1), key))


def load_catalog(file: Path, display: str, report: Report) -> Catalog | None:
    """Load a catalog; None when the file does not exist (any value is then accepted)."""
    if not file.is_file():
        return None
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        report.add("catalog-invalid", 1, 1, f"cannot read catalog: {error}")
        return Catalog(display, {})
    data, positions, ok = parse_yaml(text, report, first_line=1)
    if not ok:
        return Catalog(display, {})
    if not isinstance(data, list):
        report.add(
            "catalog-invalid",
            1,
            1,
            "a catalog is a YAML list of entries",
            "write entries as '- id: checkout' with name, description and owner",
        )
        return Catalog(display, {})
    entries: dict[str, CatalogEntry] = {}
    index_of: dict[str, int] = {}
    for index, item in enumerate(data):
        line, column = positions.of_value((index,))
        try:
            entry = CatalogEntry.model_validate(item)
        except ValidationError as error:
            problem = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in problem["loc"]) or "entry"
            report.add(
                "catalog-invalid", line, column, f"entry {index + 1}: {where}: {problem['msg']}"
            )
            continue
        if entry.id in entries:
            report.add("catalog-invalid", line, column, f"id '{entry.id}' is listed twice")
            continue
        entries[entry.id] = entry
        index_of[entry.id] = index
    return Catalog(display, entries, positions, index_of)
