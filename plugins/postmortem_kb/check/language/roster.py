"""The given names of a git repository's commit authors (the ``roster_from_git`` option).

Read with one ``git log`` per process and folder, cached: the language rules then treat
"Zephyrine failed to rotate the key" as a person's failure even when no postmortem's front
matter names Zephyrine. Bots, and names that are also common English words
(``common_word_names`` in ``rules.yml``), are left out.
"""

from __future__ import annotations

import subprocess
from functools import cache

from postmortem_kb.check.language.rules import language_rules

# Authors read: the most recent commits are enough to know who works here, and bound the cost.
MAX_COMMITS = 5_000
_BOTS = ("[bot]", "bot", "dependabot", "renovate", "github", "actions", "ci", "automation")


@cache
def git_roster(folder: str) -> tuple[str, ...]:
    """Capitalised given names of the authors of the git repository at ``folder``.

    Empty when ``folder`` is not in a git repository or git is not installed.
    """
    try:
        result = subprocess.run(
            ["git", "-C", folder, "log", f"--max-count={MAX_COMMITS}", "--format=%aN"],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    if result.returncode != 0:
        return ()
    return tuple(sorted({name for line in result.stdout.splitlines() if (name := given(line))}))


def given(author: str) -> str:
    """The given name of a git author ("Ada Lovelace" -> "Ada"), or "" for bots and words."""
    words = author.split()
    lowered = author.casefold()
    if not words or "[bot]" in lowered or any(bot in lowered.split() for bot in _BOTS):
        return ""
    first = words[0].strip(".,'\"()")
    if len(first) < 2 or not first.isalpha() or first.casefold() in _common_words():
        return ""
    return first[:1].upper() + first[1:].lower()


def _common_words() -> frozenset[str]:
    """Given names that are also common words ("will", "may"): as names they would turn
    ordinary words into people (``common_word_names`` in ``rules.yml``)."""
    return language_rules().common_word_names
