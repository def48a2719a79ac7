"""The words of each postmortem, for the archive page's text filter.

The filter runs in the browser over ``postmortems/archive.json``, without Material's search
index (about 2 KB per page, and it would have to be loaded on the archive page). Each
postmortem contributes the set of its words: title, id, metadata, action items and body,
lowercased, without stop words, URLs and markup. A word that begins another word of the
same postmortem is dropped, since the filter matches the beginnings of words ("expir" finds
"expired" and "expiry"): "expire" adds nothing when "expired" is there.

The sets are stored as an inverted index, the shape a search engine uses because it is
compact: the sorted vocabulary once, and for each word the postmortems that have it, as gaps
between their positions in base 36. A word most postmortems have is stored as the few that
lack it (marked ``!``). ``archive-filter.js`` reads the same shape and splits words the
same way (``TOKEN`` and ``normalise`` here, ``tokens`` there).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from itertools import pairwise

from postmortem_kb.archive.index import CAUSE, SERVICE, Index
from postmortem_kb.model.record import Postmortem

TOKEN = re.compile(r"[^\W_]{2,}")  # 2+ letters and digits: JavaScript's [\p{L}\p{N}]
# Link targets, bare URLs and HTML tags are addresses and markup, not words of the text.
NOT_TEXT = re.compile(r"\]\([^)\s]*(?:\s+\"[^\"]*\")?\)|https?://\S+|<[^<>\n]*>")
MAX_WORD = 40  # longer tokens are hashes or encoded data
DIGITS = 36
# Lunr's English stop words: Material's search drops the same ones.
_STOP_WORDS = """a able about across after all almost also am among an and any are as at be
    because been but by can cannot could dear did do does either else ever every for from get got
    had has have he her hers him his how however i if in into is it its just least let like
    likely may me might most must my neither no nor not of off often on only or other our
    own rather said say says she should since so some than that the their them then there
    these they this tis to too twas us wants was we were what when where which while who
    whom why will with would yet you your"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
UNWANTED = STOP_WORDS | {f"{n:02}" for n in range(100)}


def normalise(text: str) -> str:
    """Text as the filter compares it: compatibility forms folded, lowercase."""
    return (text if text.isascii() else unicodedata.normalize("NFKC", text)).lower()


def words(text: str) -> set[str]:
    """The distinct words of ``text`` worth finding it by.

    Stop words, words of one character, numbers of two digits (times of day and small
    counts fill timelines: "06:40") and tokens longer than ``MAX_WORD`` are left out.
    """
    found = set(TOKEN.findall(normalise(NOT_TEXT.sub(" ", text))))
    found -= UNWANTED
    if max(map(len, found), default=0) > MAX_WORD:
        found = {word for word in found if len(word) <= MAX_WORD}
    return found


def postmortem_words(pm: Postmortem, index: Index) -> set[str]:
    """The words of a postmortem: what its page shows, the body included."""
    meta = pm.meta
    parts = [pm.id, pm.title, pm.body]
    if meta is not None:
        parts += [meta.severity or "", meta.status, *meta.tags, *meta.authors]
        parts += meta.participants
        for kind, values in ((SERVICE, meta.services), (CAUSE, meta.causes)):
            parts += values
            parts += [index.entry(kind, value).label for value in values]
        for item in meta.action_items:
            parts += [item.id, item.title, item.owner or ""]
    return words("\n".join(parts))


def without_prefixes(found: Iterable[str]) -> list[str]:
    """The words sorted, without those that begin another one (prefix matching finds them)."""
    ordered = _sorted(found)
    # The words that begin with ``word`` follow it directly: only the next one can.
    pairs = pairwise(ordered)
    return [word for word, following in pairs if not following.startswith(word)] + ordered[-1:]


def term_index(word_sets: Sequence[Collection[str]]) -> dict[str, str]:
    """An inverted index of ``word_sets`` (one per postmortem, in the order of the records).

    ``terms``: the vocabulary sorted as JavaScript compares strings (UTF-16 code units),
    separated by spaces. ``postings``: for each term, in the same order and also separated
    by spaces, the positions of the postmortems that have it, as gaps in base 36 joined by
    ``.`` (position, then the distance to each next one minus one); when more than half
    have it, ``!`` and the positions of those that do not.
    """
    count = len(word_sets)
    holders: dict[str, list[int]] = {}
    for position, found in enumerate(word_sets):
        for word in without_prefixes(found):
            have = holders.get(word)
            if have is None:
                holders[word] = [position]
            else:
                have.append(position)
    digits = [_base36(number) for number in range(count)]
    everyone = range(count)
    postings = []
    vocabulary = _sorted(holders)
    for word in vocabulary:
        have = holders[word]
        if len(have) * 2 > count:
            held = set(have)
            postings.append("!" + _gaps([p for p in everyone if p not in held], digits))
        else:
            postings.append(_gaps(have, digits))
    return {"terms": " ".join(vocabulary), "postings": " ".join(postings)}


def decode(index: dict[str, str], count: int) -> dict[str, set[int]]:
    """The postmortems of each term: the reverse of ``term_index`` (as the script reads it)."""
    terms = index["terms"].split(" ") if index["terms"] else []
    postings = index["postings"].split(" ") if index["postings"] else []
    result = {}
    for term, encoded in zip(terms, postings, strict=True):
        negated = encoded.startswith("!")
        positions: set[int] = set()
        previous = -1
        for gap in filter(None, encoded.lstrip("!").split(".")):
            previous += int(gap, DIGITS) + 1
            positions.add(previous)
        result[term] = set(range(count)) - positions if negated else positions
    return result


def _gaps(positions: list[int], digits: list[str]) -> str:
    """Sorted positions as gaps: the first, then the distance to each next one minus one."""
    gaps = [b - a - 1 for a, b in zip([-1, *positions], positions, strict=False)]
    return ".".join([digits[gap] for gap in gaps])


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, DIGITS)
        text = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + text
        if not number:
            return text


def _sorted(found: Iterable[str]) -> list[str]:
    """Sorted as JavaScript compares strings: by UTF-16 code unit. Code points sort the same
    unless a word has a character beyond the Basic Multilingual Plane."""
    ordered = sorted(found)
    if ordered and any(max(word) > "\uffff" for word in ordered if not word.isascii()):
        ordered.sort(key=lambda word: word.encode("utf-16-be", "surrogatepass"))
    return ordered
