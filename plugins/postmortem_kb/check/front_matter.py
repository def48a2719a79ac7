"""Check front matter against the contract: keys, types, values and their relations.

Each field is validated on its own (and each action item's field, and each incident
timestamp), so one invalid value hides no other finding: every check runs on the values
that could be read. A check that needs a value that is there but cannot be read says so,
once, with a ``skipped-check`` note, unless the check is about that value alone (its own
finding says it); a required field left out is reported as ``missing-field`` only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Container
from copy import copy
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Final, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from postmortem_kb.model.front_matter import (
    ACTION_ITEM_KEYS,
    CLOSED_ITEM_STATUSES,
    CONTRACT_REQUIRED,
    INCIDENT_KEYS,
    TOP_LEVEL_KEYS,
    ActionItem,
    FrontMatter,
    IncidentTimes,
)
from postmortem_kb.model.record import ItemFacts, Positions, References, ReviewFacts, YamlPath
from postmortem_kb.model.report import Report
from postmortem_kb.model.settings import Settings
from postmortem_kb.model.text import did_you_mean, slugify
from postmortem_kb.model.tracker import JIRA_KEY, is_web_url

UNREADABLE: Final = object()
"""A value that YAML could not read (see ``check.recover``); its error is already reported."""

_TIME_ORDER = ("started", "detected", "mitigated", "resolved")
_DATED_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})-")
_NESTED = ("incident", "action_items")  # validated field by field, below the top level

Add = Callable[[str, int, int, str, str | None], object]  # Report.add without the level


def dotted(path: YamlPath) -> str:
    """Render a YAML path as ``action_items[0].owner``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class Fields:
    """The fields of one mapping that validated on their own (optional fields left out hold
    their defaults); ``unreadable`` says why each field present but invalid could not be
    read; required fields left out are ``missing``."""

    path: YamlPath
    values: dict[str, Any]
    unreadable: dict[str, str]
    missing: tuple[str, ...] = ()

    def why(self, name: str) -> str:
        """``date is invalid``: why the field ``name`` has no value."""
        return f"{dotted((*self.path, name))} {self.unreadable[name]}"


@dataclass(frozen=True)
class Parsed:
    """Every value of the front matter that could be read, and the model when all could."""

    top: Fields
    incident: Fields
    action_items: tuple[Fields, ...] | None  # None when the list itself is unreadable

    def model(self) -> FrontMatter | None:
        """The whole front matter, or None when any value could not be read. Every value
        was validated with the model's own annotation, so the model is not validated again."""
        parts = (self.top, self.incident, *(self.action_items or ()))
        if self.action_items is None or any(part.unreadable or part.missing for part in parts):
            return None
        items = [ActionItem.model_construct(**item.values) for item in self.action_items]
        incident = IncidentTimes.model_construct(**self.incident.values)
        return FrontMatter.model_construct(**self.top.values, incident=incident, action_items=items)

    def people(self) -> list[str]:
        """Authors, participants and action-item owners, as far as they could be read."""
        top = self.top.values
        names: list[str] = [*top.get("authors", []), *top.get("participants", [])]
        return names + [
            item.values["owner"]
            for item in self.action_items or ()
            if item.values.get("owner") is not None
        ]

    def references(self) -> References:
        """What the cross-file rules and the review policies check: related ids, services,
        causes, action-item owners, authors, participants and the review facts that parsed."""
        top = self.top.values
        return References(
            tuple(top.get("related", ())),
            tuple(top.get("services", ())),
            tuple(top.get("causes", ())),
            tuple(
                (index, item.values["owner"])
                for index, item in enumerate(self.action_items or ())
                if item.values.get("owner") is not None
            ),
            tuple(top.get("authors", ())),
            tuple(top.get("participants", ())),
            self.review_facts(),
        )

    def review_facts(self) -> ReviewFacts:
        """The values the review policies read, and why each that is there cannot be read."""
        top, incident = self.top, self.incident
        unreadable: list[tuple[str, str]] = [
            (name, top.why(name))
            for name in (
                "severity",
                "status",
                "date",
                "review_meeting",
                "legacy",
                "services",
                "participants",
            )
            if name in top.unreadable
        ]
        if "resolved" in incident.unreadable:
            unreadable.append(("incident.resolved", incident.why("resolved")))
        if self.action_items is None:
            unreadable.append(("action_items", "action_items cannot be read"))
        items = tuple(
            ItemFacts(
                index,
                item.values.get("id", dotted(item.path)),
                item.values.get("due"),
                item.values.get("status"),
                item.values.get("type"),
                item.values.get("priority"),
            )
            for index, item in enumerate(self.action_items or ())
        )
        imported = bool(top.values.get("imported", False))
        return ReviewFacts(
            top.values.get("severity"),
            top.values.get("status"),
            top.values.get("date"),
            incident.values.get("resolved"),
            top.values.get("review_meeting"),
            bool(top.values.get("legacy", False)) or imported,
            items,
            tuple(unreadable),
            imported,
        )


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    """Validate one field of ``model`` as the model does (from its annotation, once)."""
    field = model.model_fields[name]
    annotation: Any = field.annotation
    if field.metadata:
        arguments = (annotation, *field.metadata)
        annotation = cast(Any, Annotated)[arguments]
    return TypeAdapter(annotation)


@cache
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    """The default of each optional field of ``model`` (asking pydantic once: it is slow)."""
    fields = model.model_fields.items()
    return {
        name: field.get_default(call_default_factory=True)
        for name, field in fields
        if not field.is_required()
    }


def check_front_matter(
    data: dict[str, Any],
    positions: Positions,
    end: tuple[int, int],
    pm_id: str,
    settings: Settings,
    report: Report,
) -> Parsed:
    """Validate front matter field by field and check every value that could be read.

    ``end`` is the closing ``---`` line, where missing fields are reported; ``pm_id`` is
    the file's name, whose date must match the front matter's.
    """
    _check_unknown_keys(data, positions, report)
    _check_required_fields(data, end, settings, report)
    validate = _Validator(positions, end, report)
    top = validate.fields(FrontMatter, data, (), _NESTED)
    incident = validate.mapping(IncidentTimes, data.get("incident", {}), ("incident",))
    incident = _localize(incident, positions, settings, report)
    items = validate.items(data.get("action_items", []))
    parsed = Parsed(top, incident, items)
    _check_values(parsed, pm_id, positions, settings, report)
    return parsed


class _Validator:
    """Validate mappings field by field, reporting each invalid or missing value."""

    def __init__(self, positions: Positions, end: tuple[int, int], report: Report) -> None:
        self.positions = positions
        self.end = end
        self.report = report

    def fields(
        self,
        model: type[BaseModel],
        data: dict[str, Any],
        path: YamlPath,
        skip: Container[str] = (),
    ) -> Fields:
        """Each field of ``model`` in ``data`` (but ``skip``) on its own."""
        values: dict[str, Any] = {}
        unreadable: dict[str, str] = {}
        missing: list[str] = []
        required = CONTRACT_REQUIRED.get(tuple(p for p in path if isinstance(p, str)), ())
        for name, field in model.model_fields.items():
            if name in skip:
                continue
            if name not in data:
                if field.is_required():
                    self._missing((*path, name))
                    missing.append(name)
                    continue
                if name in required:  # the record can do without it; the contract cannot
                    self._missing((*path, name))
                values[name] = copy(_defaults(model)[name])
            elif data[name] is UNREADABLE:
                unreadable[name] = "cannot be read"
            else:
                value = self._validate(
                    _adapter(model, name).validate_python, data[name], (*path, name)
                )
                if value is UNREADABLE:
                    unreadable[name] = "is invalid"
                else:
                    values[name] = value
        return Fields(path, values, unreadable, tuple(missing))

    def mapping(self, model: type[BaseModel], data: Any, path: YamlPath) -> Fields:
        """A nested mapping: field by field, or wholly unreadable when it is not a mapping."""
        if isinstance(data, dict):
            return self.fields(model, data, path)
        if data is not UNREADABLE:
            self._validate(model.model_validate, data, path)
        return Fields(path, {}, dict.fromkeys(model.model_fields, "cannot be read"))

    def items(self, data: Any) -> tuple[Fields, ...] | None:
        """Each action item on its own; None when ``action_items`` is not a list."""
        path: YamlPath = ("action_items",)
        if not isinstance(data, list):
            if data is not UNREADABLE:
                self._validate(_adapter(FrontMatter, "action_items").validate_python, data, path)
            return None
        return tuple(self.mapping(ActionItem, item, (*path, i)) for i, item in enumerate(data))

    def _validate(self, validate: Callable[[Any], Any], value: Any, path: YamlPath) -> Any:
        """The validated value, or UNREADABLE after reporting why."""
        try:
            return validate(value)
        except ValidationError as error:
            for problem in error.errors(include_url=False):
                where: YamlPath = (*path, *problem["loc"])
                message = str(problem["msg"]).removeprefix("Value error, ")
                if problem["type"] == "missing":
                    self._missing(where)
                    continue
                line, column = self.positions.of_value(where)
                self.report.add(
                    "invalid-value",
                    line,
                    column,
                    f"'{dotted(where)}': {message}",
                    _hint(problem.get("input"), problem["type"], problem.get("ctx")),
                )
            return UNREADABLE

    def _missing(self, path: YamlPath) -> None:
        inside = path[:-1]
        line, column = self.positions.of_key(inside) if inside else self.end
        self.report.add(
            "missing-field",
            line,
            column,
            f"required field '{path[-1]}' is missing" + (f" in {dotted(inside)}" if inside else ""),
            "see the front-matter reference (`postmortem schema` prints the schema)",
        )


def _hint(value: object, error_type: str, context: dict[str, Any] | None) -> str | None:
    """A suggestion for an invalid value: the closest allowed value, or YAML's reading."""
    if error_type == "literal_error" and context is not None:
        allowed = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        return did_you_mean(str(value), allowed) or f"use one of: {', '.join(allowed)}"
    return _yaml_reading(value, error_type)


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
    data: dict[str, Any], end: tuple[int, int], settings: Settings, report: Report
) -> None:
    for name in settings.required_fields:
        if not data.get(name):
            report.add(
                "missing-field",
                *end,
                f"field '{name}' is required by this site's configuration",
            )


def _localize(incident: Fields, positions: Positions, settings: Settings, report: Report) -> Fields:
    """Give timestamps without an offset the site's time zone (else UTC, reported)."""
    zone = settings.zone()
    values = dict(incident.values)
    for name in _TIME_ORDER:
        value: dt.datetime | None = values.get(name)
        if value is None or value.tzinfo is not None:
            continue
        if zone is None:
            line, column = positions.of_value(("incident", name))
            report.add(
                "timestamp-without-offset",
                line,
                column,
                f"incident.{name} ({value.isoformat()}) has no timezone offset",
                "append 'Z' for UTC or an offset such as '+01:00', or set the plugin option "
                "'timezone'",
            )
        values[name] = value.replace(tzinfo=zone or dt.timezone.utc)
    return Fields(incident.path, values, incident.unreadable, incident.missing)


def _skipped(report: Report, at: tuple[int, int], why: str, *rules: str) -> None:
    """Say that ``rules`` could not run, and why."""
    report.add(
        "skipped-check",
        *at,
        f"{', '.join(repr(rule) for rule in rules)} not checked: {why}",
        "fix the value that cannot be read; the check runs again once it can",
    )


def _check_values(
    parsed: Parsed, pm_id: str, positions: Positions, settings: Settings, report: Report
) -> None:
    top = parsed.top
    severity = top.values.get("severity")
    if severity is not None and severity not in settings.severities:
        line, column = positions.of_value(("severity",))
        report.add(
            "unknown-severity",
            line,
            column,
            f"severity '{severity}' is not one of {', '.join(settings.severities)}",
            did_you_mean(severity, settings.severities)
            or f"use one of: {', '.join(settings.severities)}",
        )
    status = top.values.get("status")  # None when missing (reported) or unreadable
    if top.values.get("causes") == [] and status != "draft":
        line, column = positions.of_key(("causes",))
        if "status" in top.unreadable:
            _skipped(report, (line, column), top.why("status"), "causes-required")
        elif status is not None:
            report.add(
                "causes-required",
                line,
                column,
                f"a postmortem with status '{status}' needs at least one cause",
                "add the contributing causes, e.g. causes: [config-change]",
            )
    _check_time_order(parsed.incident, positions, report)
    _check_dates(parsed, pm_id, positions, report)
    _check_action_items(parsed.action_items or (), status, positions, settings, report)
    if "status" in top.unreadable:  # the review rules that would report make one note
        unchecked: list[str] = []
        _check_review(parsed, positions, settings, report, lambda rule, *_: unchecked.append(rule))
        if unchecked:
            why = f"{top.why('status')}; they apply to published postmortems"
            _skipped(report, positions.of_key(("status",)), why, *unchecked)
    elif status == "published":
        _check_review(parsed, positions, settings, report, report.add)


def _check_time_order(times: Fields, positions: Positions, report: Report) -> None:
    readable = [(name, times.values[name]) for name in _TIME_ORDER if times.values.get(name)]
    previous: tuple[str, dt.datetime] | None = None
    for name, value in readable:
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
    if readable:  # an unreadable timestamp cannot be put in order with the others
        for name in _TIME_ORDER:
            if name in times.unreadable:
                at = positions.of_value(("incident", name))
                _skipped(report, at, times.why(name), "timestamps-out-of-order")


def _check_dates(parsed: Parsed, pm_id: str, positions: Positions, report: Report) -> None:
    """The date against the file name and against incident.started."""
    top, incident = parsed.top, parsed.incident
    at = positions.of_value(("date",))
    named = _DATED_ID.match(pm_id)
    started: dt.datetime | None = incident.values.get("started")
    date: dt.date | None = top.values.get("date")
    if date is None:
        if "date" in top.unreadable and (named or started):
            _skipped(report, at, top.why("date"), "date-mismatch")
        return
    if named and named.group(1) != date.isoformat():
        report.add(
            "date-mismatch",
            *at,
            f"file name starts with {named.group(1)} but date is {date}",
            "name the file after the day the incident started",
        )
    if started is not None and started.date() != date:
        report.add(
            "date-mismatch",
            *at,
            f"date {date} differs from the day incident.started ({started.date()})",
            "set date to the day the incident started",
        )
    elif "started" in incident.unreadable:
        started_at = positions.of_value(("incident", "started"))
        _skipped(report, started_at, incident.why("started"), "date-mismatch")


def _check_action_items(
    items: tuple[Fields, ...],
    pm_status: str | None,
    positions: Positions,
    settings: Settings,
    report: Report,
) -> None:
    seen: dict[str, tuple[int, str]] = {}
    for index, item in enumerate(items):
        path = item.path
        values = item.values
        name = values.get("id", dotted(path))
        if "id" in values:
            key = slugify(name) or "item"  # the item's link anchor on the page
            if key in seen:
                line, column = positions.of_value((*path, "id"))
                report.add(
                    "duplicate-action-item-id",
                    line,
                    column,
                    f"action item id '{name}' gives the same link anchor '#{key}' as "
                    f"action_items[{seen[key][0]}] ('{seen[key][1]}')",
                    "give every action item its own id, e.g. AI-1, AI-2",
                )
            else:
                seen[key] = (index, name)
        status = values.get("status")  # an unreadable status does not close the item
        if "due" in values and values["due"] is None and status not in CLOSED_ITEM_STATUSES:
            line, column = positions.of_key(path)
            report.add(
                "action-item-missing-due",
                line,
                column,
                f"action item '{name}' is {status or 'not done'} but has no due date",
                "add due: YYYY-MM-DD",
            )
        _check_link(name, values, path, pm_status, positions, settings, report)


def _check_link(
    name: str,
    values: dict[str, Any],
    path: YamlPath,
    pm_status: str | None,
    positions: Positions,
    settings: Settings,
    report: Report,
) -> None:
    """An item's tracker link: a web URL or (with ``jira_url``) a Jira key; open items of a
    published postmortem should have one."""
    link = values.get("link")
    if link is None:
        if pm_status == "published" and values.get("status") not in CLOSED_ITEM_STATUSES:
            line, column = positions.of_key(path)
            report.add(
                "missing-tracker-link",
                line,
                column,
                f"open action item '{name}' has no tracker link",
                "add link: with the issue's URL"
                + (" or its Jira key" if settings.jira_url else "")
                + ", so the work is tracked where the team plans it",
            )
        return
    if is_web_url(link) or (settings.jira_url and JIRA_KEY.fullmatch(link.strip())):
        return
    line, column = positions.of_value((*path, "link"))
    if JIRA_KEY.fullmatch(link.strip()):
        message = f"link of action item '{name}' is a Jira key, but the site sets no jira_url"
        hint = "set the plugin option jira_url (e.g. https://jira.example.com), or use a URL"
    else:
        message = f"link of action item '{name}' is not an http(s) URL"
        hint = "use the tracker's https:// URL" + (
            ", or a Jira key such as PAY-12" if settings.jira_url else ""
        )
    report.add("action-item-link-scheme", line, column, message, hint)


def _check_review(
    parsed: Parsed, positions: Positions, settings: Settings, report: Report, add: Add
) -> None:
    """The rules for published postmortems; ``add`` reports (or notes) what they find. The
    review meeting's rules depend on the severity's policy and on today: ``check.policies``."""
    top = parsed.top.values
    line, column = positions.of_key(("status",))
    if parsed.action_items == ():
        add(
            "no-action-items",
            line,
            column,
            "published postmortem has no action items",
            "record what will change, each with an owner and a due date",
        )
    if top.get("participants") == []:
        add(
            "no-participants",
            line,
            column,
            "published postmortem lists no participants",
            "list who took part in the review",
        )
