"""Rules that look beyond one file: related ids and the service and cause catalogs."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from postmortem_kb.model.record import Positions, References
from postmortem_kb.model.report import Report
from postmortem_kb.model.text import did_you_mean
from postmortem_kb.source.catalog import Catalog


@dataclass(frozen=True)
class ArchiveContext:
    """What a single postmortem is checked against: the archive's ids and the catalogs."""

    list_ids: Callable[[], Iterable[str]] = tuple  # called once, if a rule needs the ids
    services: Catalog | None = None
    causes: Catalog | None = None

    @cached_property
    def ids(self) -> frozenset[str]:
        """Every postmortem id of the archive."""
        return frozenset(self.list_ids())


def check_cross_file(
    pm_id: str,
    references: References,
    positions: Positions,
    context: ArchiveContext,
    report: Report,
) -> None:
    """Report unknown related ids and services or causes missing from the catalogs."""
    for index, related in enumerate(references.related):
        if related == pm_id:
            line, column = positions.of_value(("related", index))
            report.add("self-related", line, column, "a postmortem cannot be related to itself")
        elif related not in context.ids:
            line, column = positions.of_value(("related", index))
            report.add(
                "unknown-related",
                line,
                column,
                f"related postmortem '{related}' does not exist",
                did_you_mean(related, context.ids),
            )
    _check_catalog(
        "services", "unknown-service", references.services, context.services, positions, report
    )
    _check_catalog("causes", "unknown-cause", references.causes, context.causes, positions, report)


def _check_catalog(
    key: str,
    rule: str,
    values: tuple[str, ...],
    catalog: Catalog | None,
    positions: Positions,
    report: Report,
) -> None:
    if catalog is None:
        return
    for index, value in enumerate(values):
        if value in catalog.entries:
            continue
        line, column = positions.of_value((key, index))
        report.add(
            rule,
            line,
            column,
            f"'{value}' is not in the catalog {catalog.path}",
            did_you_mean(value, catalog.entries)
            or f"add it to {catalog.path} or use one of: {', '.join(sorted(catalog.entries))}",
        )
