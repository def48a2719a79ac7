"""The rule registry: every rule id the checker can report.

The table below (with each rule's default level and how to fix it) is the single source for
the "Rule reference" docs page, so the docs cannot drift from the code. The blameless-language
rules are data, in ``check/language/rules.yml``: read here, compiled by ``check.language``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from postmortem_kb.model.findings import Level


@dataclass(frozen=True)
class Rule:
    """A documented, stable rule id."""

    id: str
    level: Level
    group: str
    summary: str
    fix: str


E, W = Level.ERROR, Level.WARNING

_RULES = (
    # Reading the file
    Rule(
        "file-too-large",
        E,
        "file",
        "The file is larger than the configured `max_file_kb`.",
        "Split long logs or attachments out of the postmortem and link to them.",
    ),
    Rule(
        "unreadable-file",
        E,
        "file",
        "The file cannot be read (permissions, a folder named like a postmortem, a symbolic "
        "link leading outside the repository, a device or a pipe).",
        "Make the path a readable regular file, or move it out of the archive folder.",
    ),
    Rule(
        "not-utf8",
        E,
        "file",
        "The file is not valid UTF-8.",
        "Re-save the file as UTF-8; the finding points at the first bad byte.",
    ),
    Rule(
        "nul-byte",
        E,
        "file",
        "The file contains a NUL byte (it is probably binary).",
        "Remove the NUL bytes, or move the binary content out of `postmortems/`.",
    ),
    Rule(
        "no-front-matter",
        E,
        "file",
        "The file does not start with a `---` front-matter block.",
        "Start the file with `---`, the YAML fields, and a closing `---` line.",
    ),
    Rule(
        "unclosed-front-matter",
        E,
        "file",
        "The front matter has no closing `---` line.",
        "Add a line containing only `---` after the last front-matter field.",
    ),
    Rule(
        "yaml-syntax",
        E,
        "file",
        "The front matter is not valid YAML.",
        "Fix the YAML at the line shown; indent with spaces, not tabs; quote values with `:`.",
    ),
    Rule(
        "yaml-alias",
        E,
        "file",
        "The front matter uses YAML anchors or aliases (`&a`, `*a`).",
        "Write the values out in full; anchors are not supported in postmortems.",
    ),
    Rule(
        "yaml-too-deep",
        E,
        "file",
        "The front matter is nested deeper than any field needs.",
        "Flatten the structure; see the front-matter reference.",
    ),
    Rule(
        "yaml-too-large",
        E,
        "file",
        "The front matter holds more values than any postmortem needs (20,000).",
        "Move long lists out of the front matter; see the front-matter reference.",
    ),
    Rule(
        "duplicate-key",
        E,
        "file",
        "The same key appears twice in one mapping.",
        "Keep one of the two keys; YAML would otherwise silently keep only the last.",
    ),
    Rule(
        "non-string-key",
        E,
        "file",
        "A key is not a string (for example `yes:` or `on:` read as a boolean).",
        "Use one of the documented field names, or quote the key.",
    ),
    Rule(
        "front-matter-not-mapping",
        E,
        "file",
        "The front matter is a list or a single value instead of `key: value` fields.",
        "Write the front matter as `key: value` lines.",
    ),
    Rule(
        "invalid-id",
        E,
        "file",
        "The file name is not a valid postmortem id (lowercase letters, digits and hyphens).",
        "Rename the file to `YYYY-MM-DD-short-slug.md`, for example with `postmortem new`.",
    ),
    Rule(
        "duplicate-id",
        E,
        "archive",
        "Two files in the archive have the same id.",
        "Rename one of the files; ids must be unique across all folders (case-insensitive).",
    ),
    # Front matter
    Rule(
        "missing-field",
        E,
        "front-matter",
        "A required front-matter field is missing.",
        "Add the field; see the front-matter reference for its format.",
    ),
    Rule(
        "invalid-value",
        E,
        "front-matter",
        "A front-matter field has the wrong type or value.",
        "Use the type and values listed in the front-matter reference.",
    ),
    Rule(
        "unknown-key",
        W,
        "front-matter",
        "A front-matter key is not part of the contract.",
        "Check the spelling (a suggestion is given when one is close) or remove the key.",
    ),
    Rule(
        "unknown-severity",
        E,
        "front-matter",
        "The severity is not one of the configured levels.",
        "Use one of the levels listed in the message (plugin option `severities`).",
    ),
    Rule(
        "causes-required",
        E,
        "front-matter",
        "A postmortem in review or published lists no causes.",
        "Add at least one contributing cause id to `causes`.",
    ),
    Rule(
        "timestamp-without-offset",
        E,
        "front-matter",
        "An incident timestamp has no timezone offset and no `timezone` is configured.",
        "Append `Z` (UTC) or an offset such as `+01:00`, or set the plugin option `timezone`.",
    ),
    Rule(
        "timestamps-out-of-order",
        E,
        "front-matter",
        "Incident timestamps are not in the order started <= detected <= mitigated <= resolved.",
        "Check the timestamps against the timeline.",
    ),
    Rule(
        "date-mismatch",
        W,
        "front-matter",
        "`date` differs from the day in the file name or the day `incident.started`.",
        "Make `date` the day the incident started, and name the file after it.",
    ),
    Rule(
        "skipped-check",
        Level.INFO,
        "front-matter",
        "A check could not run because a value it needs cannot be read (for example the "
        "order of the incident timestamps when `incident.resolved` is invalid).",
        "Fix the value reported as invalid; the check runs once the value can be read.",
    ),
    Rule(
        "duplicate-action-item-id",
        E,
        "action-items",
        "Two action items in one postmortem share an id, or ids that give the same link "
        "anchor (`AI 2`, `AI_2`).",
        "Give every action item its own id (AI-1, AI-2, ...); links point at them.",
    ),
    Rule(
        "action-item-missing-due",
        E,
        "action-items",
        "An action item that is not done or wont-do has no due date.",
        "Add a `due` date, so the item shows up as overdue if it slips.",
    ),
    Rule(
        "action-item-link-scheme",
        E,
        "action-items",
        "An action-item `link` is not an http(s) URL (or, when the site sets `jira_url`, a "
        "Jira key such as `PAY-12`).",
        "Link to the tracker with an `https://` URL, or set `jira_url` to write Jira keys.",
    ),
    Rule(
        "missing-tracker-link",
        Level.INFO,
        "action-items",
        "An open action item of a published postmortem has no `link` to the tracker where "
        "the team plans its work (a note by default).",
        "Add `link:` with the issue's URL (GitHub, GitLab, Jira, any tracker) or its Jira key.",
    ),
    Rule(
        "no-action-items",
        W,
        "review",
        "A published postmortem has no action items.",
        "Record what will change (prevent, mitigate, detect, process), with owners and dates.",
    ),
    Rule(
        "no-participants",
        W,
        "review",
        "A published postmortem lists no participants.",
        "List who took part in the review: everyone involved and the relevant stakeholders.",
    ),
    # Review policies (check.policies): the severity's policy, the catalogs and today
    Rule(
        "review-overdue",
        W,
        "policies",
        "No `review_meeting` is recorded, and today is past the day the severity's policy "
        "allows for the review (`review_within` days after `incident.resolved`). Postmortems "
        "marked `legacy: true` are exempt.",
        "Hold the review meeting and record its day in `review_meeting` (a day ahead records "
        "it as scheduled); `postmortem new` proposes one within the policy.",
    ),
    Rule(
        "review-late",
        Level.INFO,
        "policies",
        "The review meeting was held later than the severity's policy allows (a note: the "
        "day has passed). Postmortems marked `legacy: true` are exempt.",
        "Nothing to change in the file; schedule the next reviews within the policy, while "
        "memories are fresh.",
    ),
    Rule(
        "publish-overdue",
        Level.INFO,
        "policies",
        "The postmortem is not `published`, and today is past the day the severity's policy "
        "allows for publication (`publish_within` days after `incident.resolved`). A note by "
        "default: that deadline is the project's own choice, not published practice; make it "
        "a warning to fail strict builds.",
        "Finish the review and set `status: published`; the review queue lists what waits.",
    ),
    Rule(
        "missing-stakeholder",
        W,
        "policies",
        "In review or published: the team owning an affected service (its `owner` in "
        "`services.yml`) is not among the participants, neither by its id or an alias nor, "
        "with `teams.yml`, by one of its members. Drafts and `legacy: true` are exempt.",
        "Invite the owning team to the review and list it (or the members who came) in "
        "`participants`.",
    ),
    Rule(
        "action-item-due-too-late",
        W,
        "policies",
        "An open action item (of the priorities the policy names) is due later than the "
        "severity's policy allows (`action_items_due_within` days after the postmortem's "
        "`date`).",
        "Bring the due date forward, or split the item: what stops a repeat comes first, the "
        "larger project can be an item of lower priority.",
    ),
    Rule(
        "missing-action-type",
        W,
        "policies",
        "In review or published: no action item has a type the severity's policy requires "
        "(`require_action_types`, such as `prevent`).",
        "Add an action item of that type (for `prevent`: what keeps this from happening "
        "again), or set the type of the item that does it.",
    ),
    Rule(
        "earlier-open-items",
        Level.INFO,
        "policies",
        "A note on a draft or a postmortem in review: earlier postmortems that share a "
        "service or a specific cause (one `causes.yml` does not mark `generic: true`) still "
        "have open action items; the note lists them (at most `earlier_open_limit`).",
        "Say in the postmortem or its pull request how they relate: done, still needed, or "
        "more urgent after this incident.",
    ),
    # Cross-file
    Rule(
        "unknown-related",
        E,
        "archive",
        "`related` names a postmortem id that does not exist.",
        "Use the id of an existing postmortem (its file name without `.md`).",
    ),
    Rule(
        "self-related",
        W,
        "archive",
        "`related` names the postmortem itself.",
        "Remove the postmortem's own id from `related`.",
    ),
    Rule(
        "unknown-service",
        E,
        "archive",
        "A service is not in the `services.yml` catalog.",
        "Use a service id from the catalog (a suggestion is given), or add it to the catalog.",
    ),
    Rule(
        "unknown-cause",
        E,
        "archive",
        "A cause is not in the `causes.yml` catalog.",
        "Use a cause id from the catalog (a suggestion is given), or add it to the catalog.",
    ),
    Rule(
        "slug-collision",
        W,
        "archive",
        "Two different service, cause, owner, team or person values would get the same page name.",
        "Use one spelling for the value everywhere (the page lists the second one separately).",
    ),
    Rule(
        "catalog-invalid",
        E,
        "archive",
        "A catalog file (`services.yml`, `causes.yml`, `teams.yml`) is invalid; the finding "
        "points at the value, and only that value is dropped.",
        "Write `services.yml` and `causes.yml` as YAML lists of entries with at least an `id`, "
        "and `teams.yml` as a `teams:` mapping of team ids to `name`, `members`, `aliases` "
        "and `channel`.",
    ),
    Rule(
        "unknown-owner",
        E,
        "archive",
        "With a `teams.yml` catalog: an action item's `owner` is neither a team id, an alias "
        "of a team nor a member of a team; or the `owner` of a `services.yml` entry is not a "
        "team (id or alias).",
        "Use a team or a member from `teams.yml` (a suggestion is given), or add the owner "
        "to `teams.yml` as a team, an alias or a member.",
    ),
    Rule(
        "unknown-person",
        E,
        "archive",
        "With a `teams.yml` catalog: an author is not a member of any team, or a participant "
        "is neither a member nor a team (an on-call rotation, a stakeholder team).",
        "Use the person's handle as `teams.yml` lists it (a suggestion is given), or add "
        "them to the `members` of their team.",
    ),
    # Body structure
    Rule(
        "body-title",
        W,
        "structure",
        "The body has a level-1 heading; the page already shows the front matter's title as "
        "its `<h1>`, so it would have two.",
        "Remove the heading (the title belongs in the front matter) or make it a `##` section.",
    ),
    Rule(
        "action-items-in-body",
        W,
        "structure",
        "A section such as `## Action items` or `## Follow-ups` lists items (a checklist, a "
        "list or a table) in the body, where the action-item pages and exports never see them.",
        "Move each item to the front matter's `action_items` (id, title, owner, due); "
        "`postmortem import` does this for imported files.",
    ),
    Rule(
        "missing-section",
        E,
        "structure",
        "A required level-2 section is missing.",
        "Add the section as a `## Heading`; `postmortem new` writes all of them.",
    ),
    Rule(
        "duplicate-section",
        W,
        "structure",
        "A required section appears twice.",
        "Merge the two sections into one.",
    ),
    Rule(
        "missing-subsection",
        W,
        "structure",
        "A section lacks one of its expected level-3 subsections "
        "(Lessons Learned: What went well, What went wrong, Where we got lucky).",
        "Add the subsection as a `### Heading` under its section.",
    ),
    Rule(
        "timeline-too-short",
        E,
        "structure",
        "The Timeline has fewer timestamped entries than required.",
        "Write one list item per event, starting with its time: `- 09:12 UTC — ...`.",
    ),
    Rule(
        "timeline-out-of-order",
        E,
        "structure",
        "A Timeline entry is earlier than the entry before it.",
        "Order the entries; prefix times with the date when the incident crosses midnight.",
    ),
    Rule(
        "timeline-entry-without-time",
        W,
        "structure",
        "A top-level list item of the Timeline, or a row of a Timeline table whose first "
        "column holds times, does not start with a time.",
        "Start the entry with its time (`- 09:12 UTC — ...`), or indent it by 4 spaces under "
        "the entry it belongs to.",
    ),
    Rule(
        "placeholder-text",
        E,
        "structure",
        "Template placeholder text (such as TODO) is left in a postmortem under review or "
        "published (reported as info while in draft).",
        "Replace the placeholder with the real content, or delete it.",
    ),
    Rule(
        "raw-html",
        E,
        "structure",
        "The body holds HTML, a link or an attribute list that the site removes before "
        "publishing: an element or attribute outside the allowlist (scripts, event handlers "
        "such as `onerror`, iframes, forms, styles), or a URL whose scheme is not http, https, "
        "mailto or tel (`javascript:`, `data:`). The finding says what would be removed.",
        "Write it in Markdown (links, tables, admonitions, `<details>`), or, for a harmless "
        "tag, ask the site to allow it with the `allow_html` option.",
    ),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}

RENAMED_RULES = {
    "late-review": ("review-late", "the review policy of each severity sets the days"),
    "no-review-meeting": (
        "review-overdue",
        "a missing meeting is reported once the severity's review policy is overdue",
    ),
}
"""Rule ids of earlier versions -> (the id that replaced it, why); ``rules`` options naming
an old id are refused with this message."""

IMPORT_GAPS = frozenset(
    {
        # what the old document never said
        "missing-field",
        "causes-required",
        "missing-section",
        "missing-subsection",
        "duplicate-section",
        "timeline-too-short",
        "timeline-entry-without-time",
        "timeline-out-of-order",
        "timestamp-without-offset",
        "placeholder-text",
        "no-action-items",
        "no-participants",
        "action-item-missing-due",
        "action-items-in-body",
        # people who may have left, and a process it was not written under
        "unknown-owner",
        "unknown-person",
        "publish-overdue",
        "action-item-due-too-late",
        "missing-action-type",
    }
)
"""Rules whose findings are notes in an imported postmortem (``imported: true``), with every
language rule: gaps an import cannot fill and historical wording, still listed so a team can
fill them in. Everything else (YAML, values, catalogs, HTML) keeps its level."""

# Rules that keep hostile YAML out of the build: their level cannot be configured.
FIXED_RULES = frozenset({"yaml-alias", "yaml-too-deep", "yaml-too-large"})


@cache
def language_rule_data() -> dict[str, Any]:
    """The language rules file, parsed once per process (a packaging bug raises)."""
    text = files("postmortem_kb").joinpath("check/language/rules.yml").read_text("utf-8")
    data: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return data


def rule_ids() -> frozenset[str]:
    """Every rule id: the table above and the language rules."""
    return frozenset(RULES) | {str(entry["id"]) for entry in language_rule_data()["rules"]}
