"""Rule ``raw-html``: tell the author what the site would remove from the body.

The site sanitises every postmortem's HTML with the allowlist of ``model/html_policy.py``.
This check reads the Markdown source, outside code blocks and code spans, for what falls
outside that allowlist: elements and attributes (in raw HTML and in attribute lists such as
``{: onclick=... }``) and URLs of links, images and reference definitions whose scheme is
not allowed (entities and control characters are decoded first, as browsers do). One
finding per line says everything that line would lose, so a pull request fails before the
site drops something silently. It errs on the side of reporting: the sanitiser, not this
check, is what keeps the site safe.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from postmortem_kb.model.html_policy import (
    ALLOWED_TAGS,
    MARKDOWN_ATTRIBUTES,
    STYLE_PROPERTIES,
    URL_ATTRIBUTES,
    URL_SCHEMES,
    attributes_of,
)
from postmortem_kb.model.report import Report
from postmortem_kb.source.blocks import CODE, HTML
from postmortem_kb.source.body import Body

# Comments, autolinks and e-mail autolinks are not author HTML (Python-Markdown's patterns).
_COMMENT = re.compile(r"<!--.*?(?:--!?>|\Z)", re.DOTALL)
_AUTOLINK = re.compile(r"<(?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*>|<(?:mailto:)?[^<> !]+@[^@<> ]+>")
_CODE_SPAN = re.compile(r"(?<!\\)(`+)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.DOTALL)
_MARKUP = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)|<[!?]")
_ATTRIBUTE = re.compile(r"""\s*([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"?|'[^']*'?|[^\s>]*))?|\s*/""")
_TAG_END = re.compile(r"\s*/?>")
_CLOSED = re.compile(r"[^<>]*>")
_LINK_URL = re.compile(r"\]\(\s*<?([^\s)>]*)")
_REFERENCE_URL = re.compile(r"^[ ]{0,3}\[[^\]]+\]:[ \t]*<?(\S*?)>?(?:\s|$)", re.MULTILINE)
_ATTR_LIST = re.compile(r"\{:?[ ]*([^}\n ][^}\n]*?)[ ]*\}")
_ATTR_LIST_ITEM = re.compile(r"""([^\s"'=]+)=("[^"]*"|'[^']*'|\S*)""")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"([a-z][a-z0-9+.\-]*):")


def check_raw_html(text: str, body: Body, extra_tags: tuple[str, ...], report: Report) -> None:
    """Report each body line holding HTML, a URL or attributes the sanitiser removes."""
    allowed = ALLOWED_TAGS | set(extra_tags)
    removed: dict[int, list[tuple[int, str]]] = {}  # line -> (column, what)
    for first, chunk, raw_block in _chunks(text, body):
        for offset, what in _removals(chunk, allowed, raw_block):
            start = chunk.rfind("\n", 0, offset) + 1
            line = body.first_line + first + chunk.count("\n", 0, start)
            removed.setdefault(line, []).append((offset - start + 1, what))
    for line, found in sorted(removed.items()):
        whats = list(dict.fromkeys(what for _column, what in found))
        report.add(
            "raw-html",
            line,
            min(column for column, _what in found),
            f"the site removes {_join(whats)}",
            "write it in Markdown (links, tables, admonitions, <details>), or ask the site "
            "to allow a harmless tag with the allow_html option",
        )


def _chunks(text: str, body: Body) -> Iterator[tuple[int, str, bool]]:
    """(first line index, text, is a raw HTML block) for each run of lines outside code
    blocks, with code spans and comments blanked out (same length, same lines), so that
    offsets still give lines and columns. Backticks make code spans in Markdown text only,
    not inside raw HTML blocks."""
    lines = text.split("\n")
    kinds = [""] * len(lines)
    for block in body.blocks:
        if block.kind in (CODE, HTML):
            kinds[block.start : block.end] = [block.kind] * (block.end - block.start)
    start = 0
    for index in range(1, len(lines) + 1):
        if index < len(lines) and kinds[index] == kinds[start]:
            continue
        if kinds[start] != CODE:
            chunk = "\n".join(lines[start:index])
            if kinds[start] != HTML:
                chunk = _CODE_SPAN.sub(_blank, chunk)
            yield start, _COMMENT.sub(_blank, chunk), kinds[start] == HTML
        start = index


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _removals(
    visible: str, allowed: frozenset[str] | set[str], raw_block: bool
) -> Iterator[tuple[int, str]]:
    """(offset, what is removed) for every element, attribute and URL outside the policy.

    In Markdown text a tag is HTML only if a ``>`` closes it before the next ``<``
    (Python-Markdown's rule; otherwise it is shown as text); in a raw HTML block the browser
    reads it up to the next ``>``.
    """
    autolinks = {match.start() for match in _AUTOLINK.finditer(visible)}
    for match in _MARKUP.finditer(visible):
        if match.start() in autolinks:
            continue
        if not raw_block and not _CLOSED.match(visible, match.end()):
            continue
        if match.group(2) is None:
            yield match.start(), "markup declarations (<!..> and <?..>)"
            continue
        if match.group(1):
            continue  # a closing tag: its opening tag is reported
        tag = match.group(2).lower()
        if tag not in allowed:
            yield match.start(), f"the <{tag}> element"
            continue
        for name, value in _attributes(visible, match.end()):
            problem = _attribute_problem(tag, name, value)
            if problem:
                yield match.start(), problem
    for pattern in (_LINK_URL, _REFERENCE_URL):
        for match in pattern.finditer(visible):
            problem = _url_problem(match.group(1))
            if problem:
                yield match.start(1), problem
    for match in _ATTR_LIST.finditer(visible):
        for item in _ATTR_LIST_ITEM.finditer(match.group(1)):
            problem = _attribute_problem(None, item.group(1).lower(), item.group(2))
            if problem:
                yield match.start(), problem


def _attributes(visible: str, at: int) -> Iterator[tuple[str, str | None]]:
    """The attributes of the tag whose name ends at ``at``, up to its ``>``."""
    while not _TAG_END.match(visible, at):
        match = _ATTRIBUTE.match(visible, at)
        if match is None or match.end() == at:
            return
        at = match.end()
        if match.group(1):
            yield match.group(1).lower(), match.group(2)


def _attribute_problem(tag: str | None, name: str, value: str | None) -> str | None:
    """What the sanitiser says about one attribute (``tag`` None: an attribute list)."""
    where = f" of <{tag}>" if tag else ""
    if name in MARKDOWN_ATTRIBUTES or name.startswith((".", "#")):
        return None
    allowed = attributes_of(tag) if tag else _ANY_TAG_ATTRIBUTES
    if name not in allowed:
        return f"the {name} attribute{where}"
    value = _unquote(value or "")
    if name == "style":
        properties = {part.split(":")[0].strip().lower() for part in value.split(";")}
        if properties - {""} - STYLE_PROPERTIES:
            return f"the style{where} (only text-align is kept)"
    if name in URL_ATTRIBUTES:
        return _url_problem(value)
    return None


def _url_problem(url: str) -> str | None:
    """Why a URL is removed, if it is: a scheme outside the allowlist."""
    decoded = _INVISIBLE.sub("", html.unescape(html.unescape(url))).lower()
    scheme = _SCHEME.match(decoded)
    if scheme and scheme.group(1) not in URL_SCHEMES:
        return f"a {scheme.group(1)}: URL"
    return None


def _unquote(value: str) -> str:
    return value.strip("\"'")


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_ANY_TAG_ATTRIBUTES = frozenset().union(*(attributes_of(tag) for tag in ALLOWED_TAGS))
