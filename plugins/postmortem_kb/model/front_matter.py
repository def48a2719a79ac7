"""The postmortem front-matter contract as typed models, and its JSON Schema."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

Status = Literal["draft", "in-review", "published"]
ItemStatus = Literal["open", "in-progress", "done", "wont-do"]
ItemType = Literal["prevent", "mitigate", "detect", "process"]
CLOSED_ITEM_STATUSES = frozenset({"done", "wont-do"})


def _not_a_number(value: Any) -> Any:
    """Refuse numbers and booleans where a date is expected (pydantic would read epochs)."""
    if isinstance(value, bool | int | float):
        raise ValueError("expected a date such as 2026-03-14, not a number")
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Date = Annotated[dt.date, BeforeValidator(_not_a_number)]
Timestamp = Annotated[dt.datetime, BeforeValidator(_not_a_number)]


class _Strict(BaseModel):
    # Unknown keys are reported by the checker as warnings with a suggestion, not here.
    model_config = ConfigDict(extra="ignore", frozen=True)


class IncidentTimes(_Strict):
    """When the incident started, was detected, mitigated and resolved."""

    started: Timestamp | None = Field(None, description="When the impact began.")
    detected: Timestamp | None = Field(None, description="When the problem was noticed.")
    mitigated: Timestamp | None = Field(None, description="When the impact stopped.")
    resolved: Timestamp | None = Field(None, description="When the incident was closed.")


class ActionItem(_Strict):
    """A follow-up that changes the system or the process."""

    id: Text = Field(description="Unique within the postmortem, e.g. AI-1.")
    title: Text
    owner: Text | None = Field(None, description="A person or team handle.")
    due: Date | None = Field(None, description="Required while the item is not done.")
    status: ItemStatus = "open"
    type: ItemType | None = None
    priority: Text | None = None
    link: Text | None = Field(None, description="Tracker URL (http or https).")

    @property
    def is_closed(self) -> bool:
        """Done or won't do."""
        return self.status in CLOSED_ITEM_STATUSES


class ImportedFrom(_Strict):
    """The file a postmortem was imported from by ``postmortem import``."""

    path: Text = Field(description="The source file, relative to where the import ran.")
    sha256: Text = Field(description="The SHA-256 of the source's bytes when imported.")


class FrontMatter(_Strict):
    """The front matter of one postmortem."""

    title: Text
    date: Date = Field(description="Day the incident started.")
    status: Status
    severity: Text | None = Field(None, description="One of the configured severity levels.")
    services: list[Text] = Field(default_factory=list, min_length=1)
    causes: list[Text] = Field(default_factory=list)
    authors: list[Text] = Field(default_factory=list, min_length=1)
    participants: list[Text] = Field(default_factory=list)
    incident: IncidentTimes = Field(default_factory=IncidentTimes)
    review_meeting: Date | None = Field(
        None, description="The day of the review meeting (a day ahead: it is scheduled)."
    )
    legacy: bool = Field(
        False,
        description="Written before this process; exempt from the meeting and stakeholder rules.",
    )
    imported: bool = Field(
        False,
        description="Set by `postmortem import`: written before this archive. Exempt from the "
        "review-process rules, like `legacy`; what the import could not fill in (severity, "
        "causes, sections, language) is reported as notes.",
    )
    imported_from: ImportedFrom | None = Field(
        None,
        description="Set by `postmortem import`: the source file and its content hash, so a "
        "second import of the same file writes nothing.",
    )
    imported_fields: dict[str, Any] = Field(
        default_factory=dict,
        description="Set by `postmortem import`: the source's front-matter keys that have no "
        "place here, kept as they were.",
    )
    related: list[Text] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)
    blameless_allow: list[Text] = Field(
        default_factory=list,
        description="Language rule ids not reported in this file (e.g. quoting a chat log).",
    )


CONTRACT_REQUIRED: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("severity", "services", "authors"),
    ("action_items",): ("owner",),
}
"""Fields every new postmortem must have, which the record can still do without: the checker
reports them missing (``missing-field``, a note in an imported postmortem), and the site
shows what it has."""

NO_SEVERITY = "severity unknown"
NO_OWNER = "no owner"
"""What pages and calendars show where an (imported) postmortem has no severity, or an
action item no owner."""

TOP_LEVEL_KEYS = tuple(FrontMatter.model_fields)
INCIDENT_KEYS = tuple(IncidentTimes.model_fields)
ACTION_ITEM_KEYS = tuple(ActionItem.model_fields)


def json_schema(severities: tuple[str, ...]) -> dict[str, Any]:
    """Return the JSON Schema of the front matter, with the configured severity levels."""
    schema = FrontMatter.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://postmortem-kb.dev/schema/front-matter.json"
    schema["description"] = "Front matter of a blameless postmortem (postmortem-kb)."
    for where, names in CONTRACT_REQUIRED.items():
        part = schema["$defs"]["ActionItem"] if where else schema
        part["required"] = [*part.get("required", []), *names]
        for name in names:  # required of every new postmortem: no null, no default
            prop = part["properties"][name]
            prop.pop("default", None)
            branches = prop.pop("anyOf", None)
            if branches:
                prop.update(next(b for b in branches if b.get("type") != "null"))
    schema["properties"]["severity"]["enum"] = list(severities)
    schema["additionalProperties"] = False
    for definition in schema.get("$defs", {}).values():
        definition["additionalProperties"] = False
    return schema
