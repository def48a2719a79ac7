"""Check front matter against the contract: keys, types, values and their relations."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ValidationError

from postmortem_kb.model.front_matter import (
    ACTION_ITEM_KEYS,
    INCIDENT_KEYS,
    TOP_LEVEL_KEYS,
    FrontMatter,
    IncidentTimes,
)
from postmortem_kb.model.record import Positions, YamlPath
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import did_you_mean, slugify

_TIME_ORDER = ("started", "detected", "mitigated", "resolved")


def dotted(path: YamlPath) -> str:
    """Render a YAML path as ``action_items[0].owner``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def check_front_matter(
    data: dict[str, Any], positions: Positions, settings: Settings, report: Report
) -> FrontMatter | None:
    """Validate front matter; return the typed model when it is valid enough to render."""
    _check_unknown_keys(data, positions, report)
    _check_required_fields(data, positions, settings, report)
    try:
        meta = FrontMatter.model_validate(data)
    except ValidationError as error:
        _report_validation(error, positions, report)
        return None
    meta = _localize(meta, positions, settings, report)
    _check_values(meta, positions, settings, report)
    return meta


def _check_unknown_keys(data: dict[str, Any], positions: Positions, report: Report) -> None:
    def unknown(mapping: Any, allowed: tuple[str, ...], path: YamlPath) -> None:
        if not isinstance(mapping, dict):
            return
        for raw_key in mapping:
            key = str(raw_key)
            if key not in allowed:
                line, column = positions.of_key((*path, key))
                where = f"{dotted(path)}: " if path else ""
                report.add(
                    "unknown-key",
                    line,
                    column,
                    f"{where}unknown key '{key}'",
                    did_you_mean(key, allowed) or f"known keys: {', '.join(allowed)}",
                )

    unknown(data, TOP_LEVEL_KEYS, ())
    unknown(data.get("incident"), INCIDENT_KEYS, ("incident",))
    items = data.get("action_items")
    if isinstance(items, list):
        for index, item in enumerate(items):
            unknown(item, ACTION_ITEM_KEYS, ("action_items", index))


def _check_required_fields(
    data: dict[str, Any], positions: Positions, settings: Settings, report: Report
) -> None:
    for name in settings.required_fields:
        if not data.get(name):
            line, column = positions.start
            report.add(
                "missing-field",
                line,
                column,
                f"field '{name}' is required by this site's configuration",
            )


def _report_validation(error: ValidationError, positions: Positions, report: Report) -> None:
    for problem in error.errors(include_url=False):
        path: YamlPath = tuple(problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        if problem["type"] == "missing":
            line, column = positions.of_key(path[:-1]) if len(path) > 1 else positions.start
            where = f" in {dotted(path[:-1])}" if len(path) > 1 else ""
            report.add(
                "missing-field",
                line,
                column,
                f"required field '{path[-1]}' is missing{where}",
                "see the front-matter reference (`postmortem schema` prints the schema)",
            )
        else:
            line, column = positions.of_value(path)
            report.add(
                "invalid-value",
                line,
                column,
                f"'{dotted(path)}': {message}",
                _yaml_reading(problem.get("input"), problem["type"]),
            )


def _yaml_reading(value: object, error_type: str) -> str | None:
    """Explain a value YAML read as something else than text (the "Norway problem")."""
    if not error_type.startswith("string"):
        return None
    if isinstance(value, bool):
        return (
            f"YAML reads yes/no/on/off/true/false as {str(value).lower()}; "
            "put the value in quotes, e.g. 'no'"
        )
    if isinstance(value, int | float | dt.date):
        kind = "a date" if isinstance(value, dt.date) else "a number"
        return f"YAML read {value!r} as {kind}; put the value in quotes"
    if value is None:
        return "the value is empty (null); write it, or remove the key"
    return None


def _localize(
    meta: FrontMatter, positions: Positions, settings: Settings, report: Report
) -> FrontMatter:
    zone = settings.zone()
    update: dict[str, dt.datetime] = {}
    for name in _TIME_ORDER:
        value: dt.datetime | None = getattr(meta.incident, name)
        if value is None or value.tzinfo is not None:
            continue
        if zone is not None:
            update[name] = value.replace(tzinfo=zone)
            continue
        line, column = positions.of_value(("incident", name))
        report.add(
            "timestamp-without-offset",
            line,
            column,
            f"incident.{name} ({value.isoformat()}) has no timezone offset",
            "append 'Z' for UTC or an offset such as '+01:00', or set the plugin option 'timezone'",
        )
        update[name] = value.replace(tzinfo=dt.timezone.utc)
    if not update:
        return meta
    return meta.model_copy(update={"incident": meta.incident.model_copy(update=update)})


def _check_values(
    meta: FrontMatter, positions: Positions, settings: Settings, report: Report
) -> None:
    if meta.severity not in settings.severities:
        line, column = positions.of_value(("severity",))
        report.add(
            "unknown-severity",
            line,
            column,
            f"severity '{meta.severity}' is not one of {', '.join(settings.severities)}",
            did_you_mean(meta.severity, settings.severities),
        )
    if meta.status != "draft" and not meta.causes:
        line, column = positions.of_key(("causes",))
        report.add(
            "causes-required",
            line,
            column,
            f"a postmortem with status '{meta.status}' needs at least one cause",
            "add the contributing causes, e.g. causes: [config-change]",
        )
    _check_time_order(meta.incident, positions, report)
    _check_dates(meta, positions, report)
    _check_action_items(meta, positions, report)
    if meta.status == "published":
        _check_review(meta, positions, settings, report)


def _check_time_order(times: IncidentTimes, positions: Positions, report: Report) -> None:
    previous: tuple[str, dt.datetime] | None = None
    for name in _TIME_ORDER:
        value: dt.datetime | None = getattr(times, name)
        if value is None:
            continue
        if previous and value < previous[1]:
            line, column = positions.of_value(("incident", name))
            report.add(
                "timestamps-out-of-order",
                line,
                column,
                f"incident.{name} ({value.isoformat()}) is before "
                f"incident.{previous[0]} ({previous[1].isoformat()})",
                "timestamps must satisfy started <= detected <= mitigated <= resolved",
            )
        previous = (name, value)


def _check_dates(meta: FrontMatter, positions: Positions, report: Report) -> None:
    started = meta.incident.started
    if started is not None and started.date() != meta.date:
        line, column = positions.of_value(("date",))
        report.add(
            "date-mismatch",
            line,
            column,
            f"date {meta.date} differs from the day incident.started ({started.date()})",
            "set date to the day the incident started",
        )


def _check_action_items(meta: FrontMatter, positions: Positions, report: Report) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(meta.action_items):
        path: YamlPath = ("action_items", index)
        key = slugify(item.id) or "item"  # the item's link anchor on the page
        if key in seen:
            line, column = positions.of_value((*path, "id"))
            report.add(
                "duplicate-action-item-id",
                line,
                column,
                f"action item id '{item.id}' gives the same link anchor '#{key}' as "
                f"action_items[{seen[key]}] ('{meta.action_items[seen[key]].id}')",
                "give every action item its own id, e.g. AI-1, AI-2",
            )
        else:
            seen[key] = index
        if item.due is None and not item.is_closed:
            line, column = positions.of_key(path)
            report.add(
                "action-item-missing-due",
                line,
                column,
                f"action item '{item.id}' is {item.status} but has no due date",
                "add due: YYYY-MM-DD",
            )
        if item.link is not None and not item.link.lower().startswith(("https://", "http://")):
            line, column = positions.of_value((*path, "link"))
            report.add(
                "action-item-link-scheme",
                line,
                column,
                f"link of action item '{item.id}' is not an http(s) URL",
                "use the tracker's https:// URL",
            )


def _check_review(
    meta: FrontMatter, positions: Positions, settings: Settings, report: Report
) -> None:
    line, column = positions.of_key(("status",))
    if not meta.action_items:
        report.add(
            "no-action-items",
            line,
            column,
            "published postmortem has no action items",
            "record what will change, each with an owner and a due date",
        )
    if not meta.participants:
        report.add(
            "no-participants",
            line,
            column,
            "published postmortem lists no participants",
            "list who took part in the review",
        )
    if meta.review_meeting is None:
        report.add(
            "no-review-meeting",
            line,
            column,
            "published postmortem has no review_meeting",
            "add review_meeting: YYYY-MM-DD",
        )
        return
    resolved = meta.incident.resolved
    if resolved is None:
        return
    delay = (meta.review_meeting - resolved.date()).days
    if delay > settings.review_within_days:
        line, column = positions.of_value(("review_meeting",))
        report.add(
            "late-review",
            line,
            column,
            f"review meeting was {delay} days after resolution "
            f"(more than {settings.review_within_days})",
            "schedule the review within a few days, while memories are fresh",
        )
