"""Tables and "Label: value" lines of different facts: the row whose label the question asks
answers it."""

from __future__ import annotations

import functools
import re

from bench.grading.common import INC, C, Outcome, decides, guess, prefix_stem
from bench.grading.facts import Facts
from bench.grading.rivals import Regrade
from bench.text.normalize import fold, tokens


def table_row(f: Facts, response: str, regrade: Regrade) -> Outcome | None:
    """A table or list of different facts, one of which is the one asked: its row answers.
    Decided when one row's label alone speaks of what is asked and its value reads plainly."""
    rows = _labelled_rows(response)
    wanted = _wanted_stems(f.question.question, f.question_content_stems)
    if len(rows) == 1:
        # One field among free lines ("Returning from: unclear" under a summary): the field
        # whose label the question asks answers it, though a reader must say.
        label, value = rows[0]
        if {prefix_stem(w) for w in tokens(fold(label))} & wanted:
            verdict = regrade(value)[0]
            return guess(verdict, "doubt.table", "the field the question asks, among free "
                         "lines")
        return None
    if len(rows) < 2:
        return None
    scored = sorted(((len({prefix_stem(w) for w in tokens(fold(label))} & wanted), i)
                     for i, (label, _) in enumerate(rows)), reverse=True)
    best, second = scored[0], scored[1]
    graded = regrade(rows[best[1]][1]) if best[0] > second[0] else None
    verdict = graded[0] if graded is not None else INC
    if graded is not None and verdict in (C, INC) and decides(graded) and second[0] == 0:
        return verdict, "doubt.table", "a table of different facts: the row the question asks"
    if verdict not in (C, INC):
        verdict = INC
    return guess(verdict, "doubt.table", "a table of different facts: the row the question asks")


# "Besides those killed, how many were wounded?": what the question sets aside is not asked.
_SET_ASIDE = re.compile(r"\b(?:besides|apart from|other than|except(?: for)?|aside from|"
                        r"excluding|not counting)\s+([^,?;]+)", re.I)


@functools.lru_cache(maxsize=1024)
def _wanted_stems(question: str, content: frozenset[str]) -> frozenset[str]:
    aside = {prefix_stem(w) for m in _SET_ASIDE.finditer(question)
             for w in tokens(fold(m.group(1)))}
    return content - aside


_ROW = re.compile(r"^\s*(?:[-*+|]|\d+[.)])?\s*\**\s*([^:|\n]{2,60}?)\s*\**\s*[:|]\s*\**(.+?)\**"
                  r"\s*\|?\s*$", re.M)


def _labelled_rows(response: str) -> list[tuple[str, str]]:
    """ "Label: value" lines and table rows, as (label, value)."""
    rows = []
    for m in _ROW.finditer(response):
        label, value = m.group(1).strip(" *_|"), m.group(2).strip(" *_|")
        if not value or set(value) <= set("-:| "):
            continue
        if "|" in value:  # a table row: label | value | ...
            cells = [c.strip(" *_") for c in value.split("|") if c.strip(" *_")]
            if not cells:
                continue
            value = cells[0]
        rows.append((label, value))
    return rows
