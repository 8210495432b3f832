"""Numbers in text by value: digits and words, qualifiers, units and their conversions."""

from __future__ import annotations

import re
from typing import NamedTuple

from bench.text import lexicon

_SMALL = {
    w: i
    for i, w in enumerate(
        (
            "zero one two three four five six seven eight nine ten eleven twelve thirteen "
            "fourteen fifteen sixteen seventeen eighteen nineteen"
        ).split()
    )
}
_TENS = {
    w: 10 * i
    for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
# Number words of other languages ("два", "trente", "tausend"): counts are written in them too.
_SMALL.update(lexicon.SMALL)
_TENS.update(lexicon.TENS)
_SCALES.update(lexicon.SCALES)
# Abbreviated scales written after digits ("3.2k", "1.5 bn"); never words on their own.
_SUFFIX_SCALES = {"k": 1_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 1_000_000_000}
NUMBER_WORDS = frozenset(_SMALL) | frozenset(_TENS) | frozenset(_SCALES)
# A hundred written without "one" in other languages ("ciento noventa", "cento venti"), and
# the word joining units to tens in Spanish and Portuguese ("noventa y cinco").
_BARE_HUNDREDS = frozenset({"cien", "ciento", "cento", "cem", "sto", "hundert"})
_UNITS_JOIN = frozenset({"y", "e"})

# Qualifier phrases, matched on tokens just before a number; longest first.
GT, LT, APPROX = "gt", "lt", "approx"
_QUALIFIERS: list[tuple[tuple[str, ...], str]] = sorted(
    [
        *(((*p.split(),), GT) for p in (
            "more than", "over", "in excess of", "above", "upwards of", "exceeding",
            "greater than", "at least", "no fewer than", "no less than", "not less than",
            "not fewer than", "well over", "just over", "some more than", "beyond",
        )),
        *(((*p.split(),), LT) for p in (
            "fewer than", "less than", "under", "below", "at most", "no more than",
            "not more than", "up to", "just under", "short of",
        )),
        *(((*p.split(),), APPROX) for p in (
            "about", "around", "approximately", "roughly", "some", "nearly", "almost",
            "an estimated", "estimated", "approx", "circa", "close to", "roughly about",
            "an approximate", "approximate", "or so", "ca",
        )),
        *(((*p.split(),), kind) for kind, phrases in lexicon.QUALIFIERS.items()
          for p in phrases),
    ],
    key=lambda item: -len(item[0]),
)
QUALIFIER_NAMES = {GT: "more than", LT: "fewer than", APPROX: "about"}
_POST_QUALIFIERS = {("or", "more"): GT, ("plus",): GT, ("or", "fewer"): LT, ("or", "less"): LT}

# Units by dimension, with the size of each in the dimension's base unit (metres, seconds).
_UNIT_TABLE: dict[str, dict[str, tuple[str, float]]] = {
    "length": {
        "mile": ("mile miles mi", 1609.344), "km": ("km kms kilometer kilometers kilometre "
                                                    "kilometres", 1000.0),
        "m": ("meter meters metre metres", 1.0), "ft": ("foot feet ft", 0.3048),
        "yard": ("yard yards yd yds", 0.9144), "nmi": ("nmi", 1852.0),
    },
    "time": {
        "second": ("seconds secs", 1.0), "minute": ("minute minutes mins", 60.0),
        "hour": ("hour hours hrs", 3600.0), "day": ("day days", 86400.0),
        "week": ("week weeks", 604800.0), "month": ("month months", 2629800.0),
        "year": ("years yrs", 31557600.0),
    },
}
_UNITS: dict[str, tuple[str, str]] = {}
UNIT_SIZE: dict[str, float] = {}
for _dim, _groups in _UNIT_TABLE.items():
    for _canon, (_words, _size) in _groups.items():
        UNIT_SIZE[_canon] = _size
        for _word in _words.split():
            _UNITS[_word] = (_dim, _canon)
# "year" alone is left out on purpose: "in the year 2020" must not read as a duration.
_UNITS["year"] = ("time", "year")
for _canon, _words in lexicon.UNITS.items():
    for _word in _words.split():
        _UNITS.setdefault(_word, ("length" if _canon in ("km", "mile") else "time", _canon))

UNIT_WORDS = frozenset(_UNITS)
"""Every word that names a unit ("km", "miles", "days")."""

CONVERSION_TOLERANCE = 0.05
"""A value given in another unit of the same dimension ("72 km" for "45 miles", "44 days" for
"6 weeks") is accepted within 5%: conversions are rounded, and so are the sources."""


class NumberMention(NamedTuple):
    """A number found in text, by value, with its place in the token list."""

    value: float
    start: int
    end: int
    is_year: bool
    qualifier: str | None
    unit: tuple[str, str] | None
    partitive: bool
    alt: float | None = None
    """The other reading of "6.500": 6,500 where a dot groups thousands (German, Spanish)."""

    @property
    def base(self) -> float:
        """The value in its dimension's base unit (the value itself when it has no unit)."""
        return self.value * UNIT_SIZE[self.unit[1]] if self.unit else self.value


_DOT_THOUSANDS = re.compile(r"\d{1,3}\.\d{3}$").match


def _digit_value(token: str) -> float:
    return float(token.replace(",", ""))


def find_numbers(toks: list[str], skip: frozenset[int] = frozenset()) -> list[NumberMention]:
    """Every number in `toks` (digits or words, "6.5 thousand", "sixty-five hundred")."""
    out: list[NumberMention] = []
    n = len(toks)
    # Only where a number can start: most tokens are words, skipped in one pass.
    candidates = [k for k, t in enumerate(toks)
                  if t[0].isdigit() or t in NUMBER_WORDS or t == "a"]
    done = -1
    for i in candidates:
        if i < done:
            continue
        tok = toks[i]
        total = 0.0
        current = 0.0
        j = i
        last_kind = ""
        if tok == "a" and i + 1 < n and toks[i + 1] in _SCALES and i + 1 not in skip:
            current, last_kind, j = 1.0, "small", i + 1  # "a thousand" = "one thousand"
        elif tok in _BARE_HUNDREDS and i + 1 < n and (toks[i + 1] in _TENS
                                                      or toks[i + 1] in _SMALL):
            current, last_kind, j = 100.0, "scale", i + 1  # "ciento noventa": 190
        elif tok == "a" or i in skip or tok in _SCALES:
            continue
        while j < n and j not in skip:
            t = toks[j]
            if t[0].isdigit():
                if last_kind:
                    break
                current = _digit_value(t)
                last_kind = "digit"
            elif t in _SMALL:
                if last_kind in ("digit", "small") or (last_kind == "tens" and _SMALL[t] >= 10):
                    break
                current += _SMALL[t]
                last_kind = "small"
            elif t in _TENS:
                if last_kind in ("digit", "small", "tens"):
                    break
                current += _TENS[t]
                last_kind = "tens"
            elif t in _SCALES or (t in _SUFFIX_SCALES and last_kind == "digit"):
                if not last_kind:
                    break
                scale = _SCALES.get(t) or _SUFFIX_SCALES[t]
                if scale == 100:
                    current = (current or 1) * 100
                else:
                    total += (current or 1) * scale
                    current = 0.0
                last_kind = "scale"
            elif t == "and" and last_kind == "scale" and j + 1 < n and toks[j + 1] in NUMBER_WORDS:
                pass
            elif t in _UNITS_JOIN and last_kind == "tens" and j + 1 < n and toks[j + 1] in _SMALL:
                pass  # "noventa y cinco", "noventa e cinco": 95
            else:
                break
            j += 1
        value = total + current
        is_year = (
            j == i + 1 and tok.isdigit() and len(tok) == 4 and 1800 <= value <= 2100
        )
        qualifier = _qualifier_before(toks, i)
        unit = _UNITS.get(toks[j]) if j < n else None
        if qualifier is None:
            for words, kind in _POST_QUALIFIERS.items():
                k = j + (1 if unit else 0)
                if tuple(toks[k : k + len(words)]) == words:
                    qualifier = kind
                    break
        partitive = j < n and toks[j] == "of" and not unit
        # "6.500" alone: 6.5 in English, 6,500 where a dot groups thousands; both are kept.
        alt = value * 1000 if j == i + 1 and _DOT_THOUSANDS(tok) else None
        mention = NumberMention(value, i, j, is_year, qualifier, unit, partitive, alt)
        last = out[-1] if out else None
        if (last is not None and last.unit and unit and last.unit[0] == unit[0]
                and last.end + 1 == i
                and value * UNIT_SIZE[unit[1]] < UNIT_SIZE[last.unit[1]]):
            # "26 miles 385 yards", "2 hours 30 minutes": one quantity in two units (the
            # second less than one of the first; "45 miles (72 km)" is a conversion).
            extra = value * UNIT_SIZE[unit[1]] / UNIT_SIZE[last.unit[1]]
            mention = NumberMention(last.value + extra, last.start, j, False, last.qualifier,
                                    last.unit, False)
            out.pop()
        out.append(mention)
        done = j
    return out


# Qualifier phrases by their last word, longest first: one dict look-up per number.
_QUALIFIERS_BY_LAST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _kind in _QUALIFIERS:
    _QUALIFIERS_BY_LAST.setdefault(_phrase[-1], []).append((_phrase, _kind))


def _qualifier_match(toks: list[str], i: int) -> tuple[int, str | None]:
    if i == 0:
        return 0, None
    for words, kind in _QUALIFIERS_BY_LAST.get(toks[i - 1], ()):
        k = len(words)
        if i >= k and tuple(toks[i - k : i]) == words:
            return k, kind
    return 0, None


def _qualifier_before(toks: list[str], i: int) -> str | None:
    return _qualifier_match(toks, i)[1]


def qualifier_span(toks: list[str], i: int) -> int:
    """How many tokens before index `i` belong to a qualifier phrase (0 when none)."""
    return _qualifier_match(toks, i)[0]


def same_quantity(m: NumberMention, gold: NumberMention, tolerance: float) -> bool:
    """Whether `m` states the gold's quantity: the same value (within the question's relative
    tolerance) in the gold's unit or with no unit, or the same amount in another unit of the
    same dimension within `CONVERSION_TOLERANCE`."""
    if m.unit and gold.unit and m.unit != gold.unit:
        if m.unit[0] != gold.unit[0]:
            return False
        allowed = max(tolerance, CONVERSION_TOLERANCE) * abs(gold.base)
        return abs(m.base - gold.base) <= allowed
    allowed = max(tolerance * abs(gold.value), 1e-9)
    return abs(m.value - gold.value) <= allowed or (
        m.alt is not None and abs(m.alt - gold.value) <= allowed)
