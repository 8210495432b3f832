"""Calendar dates in text, as precise as the text gives them.

Numeric dates: ISO `2020-11-09` is year-month-day; a dotted `9.11.2020` is day-month-year (the
only order written with dots). A slashed or dashed `09/11/2020` whose two first parts are both
12 or less can be read either way: it is kept with both readings (`DateMention.alt`), and a
grader accepts it when either reading is the gold date, since both orders are in common use
and a response cannot be told to follow one. When one part is over 12 the order is settled.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bench.text import lexicon

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Month names of other languages ("noyabrya" from "ноября", "novembre", "listopada").
for _number, _names in lexicon.MONTHS.items():
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)
# Any word where a month's name may stand, checked against `MONTHS` after matching: cheaper
# than an alternation of every month name in every language.
_MONTH = r"([^\W\d_]+)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
# Each pattern is tried only where a word starts with a digit or a month name (`re` cannot scan
# ahead for a pattern that starts with a digit class, and would try every position).
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"{_YEAR}-(\d{{1,2}})-(\d{{1,2}})\b"), "ymd"),
    (re.compile(rf"{_DAY}\.?\s+(?:of\s+|de\s+)?{_MONTH},?\s+(?:de\s+)?{_YEAR}\b"), "dmy"),
    (re.compile(rf"{_MONTH}\s+(?:the\s+)?{_DAY},?\s+{_YEAR}\b"), "mdy"),
    (re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), "dotted"),
    (re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b"), "slash"),
    (re.compile(rf"{_MONTH},?\s+(?:of\s+|de\s+)?{_YEAR}\b"), "my"),
    (re.compile(r"(\d{1,2})[/.](\d{4})\b"), "my_num"),
    (re.compile(rf"{_YEAR}-(\d{{2}})\b(?!-)"), "ym"),
    (re.compile(r"(1\d\d\d|20\d\d)\b"), "y"),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?"), "cjk"),
]
# A day and month with no year ("10 November", "November 10th"): a date part, never a count.
_DAY_MONTH = re.compile(rf"{_DAY}\.?\s+(?:of\s+|de\s+)?{_MONTH}(?![a-z])")
_MONTH_DAY = re.compile(rf"{_MONTH}\s+(?:the\s+)?{_DAY}\b(?!,?\s+\d)")
_DIGITS = re.compile(r"\d+")
_ALPHA_WORD = re.compile(r"[^\W\d_]+")
_PATTERN = {kind: pattern for pattern, kind in _DATE_PATTERNS}
_MONTH_LED = ("mdy", "my")
_NAMED = {"dmy": 1, "mdy": 0, "my": 0}
"""Which group of a pattern holds the month's name."""

Date = tuple[int, int | None, int | None]
_HAS_DIGIT = re.compile(r"\d").search


class DateMention(NamedTuple):
    """A calendar date found in text, as precise as the text gives it."""

    date: Date
    start: int
    end: int
    alt: Date | None = None
    """The other reading of an all-numeric date whose day and month can be swapped."""


def _starts_word(text: str, s: int) -> bool:
    return s == 0 or not text[s - 1].isalnum()


def _valid(y: int, m: int | None, d: int | None) -> bool:
    return (m is None or 1 <= m <= 12) and (d is None or 1 <= d <= 31)


def _numeric(a: int, b: int, y: int) -> tuple[Date, Date | None] | None:
    """(date, other reading) of `a/b/y`; None when neither reading is a date."""
    if a > 12 >= b:
        return (y, b, a), None
    if b > 12 >= a:
        return (y, a, b), None
    if a > 12 or b > 12:
        return None
    return ((y, b, a), None if a == b else (y, a, b))


def find_dates(folded: str, starts: tuple[list[int], list[int]] | None = None,
               toks: list[str] | None = None) -> list[DateMention]:
    """Dates in folded text, left to right; at each place the most specific form wins.
    `toks`, the text's tokens, spare looking for month names when none is among them."""
    if not _HAS_DIGIT(folded):
        return []  # every date pattern needs a digit
    found: list[DateMention] = []
    digits, months = starts or _starts(folded, toks is None or not MONTHS.keys().isdisjoint(toks))
    n = len(folded)
    places = sorted([(p, False) for p in digits] + [(p, True) for p in months])
    end = -1
    for pos, by_month in places:
        if pos < end:
            continue
        for kind in _MONTH_LED if by_month else _kinds(folded, pos, n):
            m = _PATTERN[kind].match(folded, pos)
            if m is None:
                continue
            date = _read(kind, m.groups())
            if date is None:
                continue
            found.append(DateMention(date[0], m.start(), m.end(), date[1]))
            end = m.end()
            break
    return found


def _read(kind: str, g: tuple[str, ...]) -> tuple[Date, Date | None] | None:
    """(date, other reading) of a match of this kind; None when it is no valid date."""
    if kind in _NAMED and g[_NAMED[kind]] not in MONTHS:
        return None
    alt: Date | None = None
    if kind == "ymd":
        date: Date = (int(g[0]), int(g[1]), int(g[2]))
    elif kind == "dmy":
        date = (int(g[2]), MONTHS[g[1]], int(g[0]))
    elif kind == "mdy":
        date = (int(g[2]), MONTHS[g[0]], int(g[1]))
    elif kind == "dotted":
        date = (int(g[2]), int(g[1]), int(g[0]))
    elif kind == "slash":
        read = _numeric(int(g[0]), int(g[1]), int(g[2]))
        if read is None:
            return None
        date, alt = read
    elif kind == "my":
        date = (int(g[1]), MONTHS[g[0]], None)
    elif kind == "my_num":
        date = (int(g[1]), int(g[0]), None)
    elif kind == "ym":
        date = (int(g[0]), int(g[1]), None)
    elif kind == "cjk":
        date = (int(g[0]), int(g[1]), int(g[2]) if g[2] else None)
    else:
        date = (int(g[0]), None, None)
    return (date, alt) if _valid(*date) else None


def find_day_months(folded: str, starts: tuple[list[int], list[int]] | None = None
                    ) -> list[tuple[int, int, int, int]]:
    """(month, day, start, end) of each day-and-month written without a year."""
    if not _HAS_DIGIT(folded):
        return []
    out = []
    digits, months = starts or _starts(folded)
    for pattern, pos, order in [(_DAY_MONTH, p, 0) for p in digits] + [
            (_MONTH_DAY, p, 1) for p in months]:
        m = pattern.match(folded, pos)
        if m is None:
            continue
        day, month = (m.group(1), m.group(2)) if order == 0 else (m.group(2), m.group(1))
        if month in MONTHS and 1 <= int(day) <= 31:
            out.append((MONTHS[month], int(day), m.start(), m.end()))
    return out


def _kinds(text: str, pos: int, n: int) -> tuple[str, ...]:
    """The kinds of date the digit run at `pos` can open, judged by its width and what
    follows it."""
    end = pos
    while end < n and text[end].isdigit():
        end += 1
    nxt = text[end] if end < n else ""
    if end - pos == 4:
        return _YEAR_LED if nxt == "-" else _CJK if nxt in "年 " else _YEAR_ONLY
    if end - pos > 2:
        return ()
    if nxt == ".":
        return _DOTTED
    if nxt in ("/", "-"):
        return _SLASHED
    return _DAY_LED


# The kinds a digit run may open, most specific first.
_YEAR_LED = ("ymd", "ym", "y")
_YEAR_ONLY = ("y",)
_CJK = ("cjk", "y")  # 2020年11月9日
_DOTTED = ("dotted", "dmy", "my_num")
_SLASHED = ("slash", "my_num")
_DAY_LED = ("dmy",)


def date_parts(folded: str) -> list[tuple[int, int]]:
    """Character spans of dates that name a month or a day: no count hides in them."""
    starts = _starts(folded)
    if not starts[0]:
        return []
    spans = [(d.start, d.end) for d in find_dates(folded, starts) if d.date[1] is not None]
    return spans + [(s, e) for _, _, s, e in find_day_months(folded, starts)]


def _starts(folded: str, named: bool = True) -> tuple[list[int], list[int]]:
    """Where words start with a digit, and (if `named`) where with a month's name."""
    digits = [m.start() for m in _DIGITS.finditer(folded) if _starts_word(folded, m.start())]
    months = [m.start() for m in _ALPHA_WORD.finditer(folded)
              if m.group() in MONTHS] if named else []
    return digits, months


def format_date(date: Date) -> str:
    y, m, d = date
    return f"{y:04d}" + (f"-{m:02d}" if m else "") + (f"-{d:02d}" if d else "")
