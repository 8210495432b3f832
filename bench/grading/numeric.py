"""Number and date answers: by value and by calendar, with qualifiers, units and candidates.

An answer of the wrong type commits to something that is not the asked quantity: a year or
"dozens" for a count, "Monday" or a town for a date. It is incorrect, never not attempted;
only an abstention is not attempted."""

from __future__ import annotations

from bench.grading.common import INC, NA, C, Outcome, Span, fmt, guess, negated
from bench.grading.facts import Facts
from bench.text import lexicon
from bench.text.cues import VAGUE_AMOUNTS
from bench.text.normalize import (
    GT,
    LT,
    QUALIFIER_NAMES,
    UNIT_WORDS,
    DateMention,
    NumberMention,
    find_dates,
    find_day_months,
    format_date,
    qualifier_span,
    same_quantity,
    tokens,
)
from bench.text.numbers import APPROX, NUMBER_WORDS

_ALTERNATIVE = frozenset({"or", "to", "and/or", "maybe", "perhaps", "possibly", "probably"})
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


def _off_type(f: Facts, d: Span, what: str) -> Outcome:
    """No value of the asked type: an abstention, a vague or other-typed answer, or nothing."""
    if f.echoes(d):
        return NA, "echo", "restates the question: no answer"
    if not d.clauses or any(p.declines for p in d.clauses):
        # Beside an abstention, other words are context: "it happened in 2020, but I can't
        # find how many died" gives no number.
        return NA, f"{f.type}.none", f"gives no {what}: no answer"
    toks = d.toks
    if what == "number":
        vague = [t for t in toks if t in VAGUE_AMOUNTS]
        if vague:
            return INC, "number.vague", f"gives a vague amount ({vague[0]!r}), not a number"
        years = [t for t in toks if len(t) == 4 and t.isdigit() and 1800 <= int(t) <= 2100]
        if years and not f.content(toks, restating=True):
            return guess(INC, "number.offtype", f"gives the year {years[0]}, not a number")
    if what == "date" and any(t in _WEEKDAYS for t in toks):
        return INC, "date.offtype", "gives a weekday, not a date"
    if f.content(toks, restating=True):
        if _plainly_other(f, d):
            return INC, f"{f.type}.offtype", f"gives no {what}: an answer of another kind"
        return guess(INC, f"{f.type}.offtype", f"gives no {what}: an answer of another kind")
    return NA, f"{f.type}.none", f"gives no {what}: no answer"


def _plainly_other(f: Facts, d: Span) -> bool:
    """A word or two of plain English that can name no amount or date ("Paris", "potato" for
    "How many ...?"): an answer, and not the asked one. Not so for a number word of another
    language ("Elf"), anything with a digit, or when the gold is zero ("nobody")."""
    return (len(d.toks) <= 2 and d.raw.isascii() and all(t.isalpha() for t in d.toks)
            and not any(t in NUMBER_WORDS or t in lexicon.HOMOGRAPHS for t in d.toks)
            and all(n.value != 0 for n in f.numbers))


# ------------------------------------------------------------------ numbers


def grade_number(f: Facts, d: Span) -> Outcome:
    toks = d.toks
    mentions = d.mentions
    # A value in a unit the gold is given in is compared in that unit only: "8,611 metres" is
    # not "8,849 metres" although it is within a conversion's margin of "29,032 feet".
    units = {g.unit for g in f.numbers if g.unit}
    matches = [(m, g) for m in mentions for g in f.numbers
               if (same_quantity(m, g, f.tolerance) or _rounds_to(m, g))
               and not (m.unit in units and g.unit != m.unit)]
    if not matches:
        for m in mentions:
            for g in f.numbers:
                if g.unit and m.unit and m.unit != g.unit and abs(m.value - g.value) < 1e-9:
                    return INC, "number.unit", f"unit {m.unit[1]} where the gold has {g.unit[1]}"
        # "the six-week war": a duration beside a question that asks for a count describes
        # something else; it is no answer to the count.
        stray = {m.value for m in mentions if m.unit and not f.asks_unit(m.unit[0])
                 and not any(g.unit for g in f.numbers)}
        committed = [v for v in f.committed_numbers(d, attribution_hedges=False)
                     if not any(abs(v - g.value) < 1e-9 for g in f.numbers) and v not in stray]
        if committed:
            return INC, "number.other", f"gives {fmt(committed[0])}, gold is {f.gold}"
        return _off_type(f, d, "number")
    rule, problem = "", ""
    seen: set[int] = set()
    for m, g in matches:
        if m.start in seen:
            continue
        seen.add(m.start)
        rule, problem = _number_problem(f, m, g, mentions, toks)
        if not problem:
            return C, "number.value", f.value_reason
    return INC, rule, problem


def _rounds_to(m: NumberMention, gold: NumberMention) -> bool:
    """ "72.4 km" for "about 72 km": an approximate gold is met by a value that rounds to it
    in the same unit."""
    return gold.qualifier == APPROX and m.unit == gold.unit and m.value != int(m.value) \
        and gold.value == int(gold.value) and round(m.value) == gold.value


def _number_problem(f: Facts, m: NumberMention, gold: NumberMention,
                    mentions: list[NumberMention], toks: list[str]) -> tuple[str, str]:
    if negated(toks[: m.start - qualifier_span(toks, m.start)]):
        return "negation", "negates the gold number"
    for o in mentions:
        if o is m or o.is_year or same_quantity(o, gold, f.tolerance) or same_quantity(
                o, m, 0.0):
            continue
        lo, hi = (m, o) if m.start < o.start else (o, m)
        between = toks[lo.end + (1 if lo.unit else 0): hi.start - qualifier_span(toks, hi.start)]
        # A repetition loop ("108 minutes 108 minutes 89 minutes") has only numbers and their
        # units between its candidates.
        # "5000 people 5000 people 10000": a loop, the noun after each number repeated.
        noun = toks[lo.end: lo.end + 1]
        looped = noun == toks[hi.end: hi.end + 1] or hi.end == len(toks)
        if not between or set(between) <= _ALTERNATIVE | {"and", "nor"} or all(
                t[0].isdigit() or t in UNIT_WORDS or ([t] == noun and looped)
                for t in between):
            pair = f"{fmt(lo.value)}, {fmt(hi.value)}"
            return "alternatives", f"offers several numbers ({pair})"
    if "either" in toks:
        return "alternatives", "offers several candidates"
    gq, rq = gold.qualifier, m.qualifier
    if gq in (GT, LT):
        if rq != gq:
            opposite = {GT: LT, LT: GT}[gq]
            if rq == opposite:
                return "number.qualifier", f"opposite qualifier to '{QUALIFIER_NAMES[gq]}'"
            return "number.qualifier", f"drops the qualifier '{QUALIFIER_NAMES[gq]}'"
    elif rq in (GT, LT):
        return "number.qualifier", f"adds the qualifier '{QUALIFIER_NAMES[rq]}'"
    return "", ""


# ------------------------------------------------------------------ dates


def _hits(f: Facts, d: DateMention) -> tuple[bool, bool]:
    """(matches the gold at its precision, matches it only less precisely)."""
    assert f.date is not None
    gy, gm, gd = f.date
    for y, m, dd in (d.date, d.alt) if d.alt else (d.date,):
        if y != gy or (gm and m and m != gm) or (gd and dd and dd != gd):
            continue
        if (gm and not m) or (gd and not dd):
            return False, True
        return True, False
    return False, False


def grade_date(f: Facts, span: Span) -> Outcome:
    assert f.date is not None
    folded, toks = span.folded, span.toks
    gy, gm, gd = f.date
    dates = find_dates(folded, toks=toks)
    vague = False
    hit = None
    for d in dates:
        exact, less = _hits(f, d)
        vague = vague or less
        if not exact:
            continue
        if negated(tokens(folded[: d.start])):
            return INC, "negation", "negates the gold date"
        hit = d
        break
    if hit is None and gm and gd and gy in f.asked_years:
        # "9 November" when the question names the year: the year is the question's.
        for m, day, s, _ in find_day_months(folded):
            if (m, day) == (gm, gd) and not any(d.start <= s < d.end for d in dates):
                if negated(tokens(folded[:s])):
                    return INC, "negation", "negates the gold date"
                if not any(d.date[0] != gy for d in dates):
                    return C, "date.match", f"gives {format_date(f.date)} (year from the question)"
    if hit is not None:
        for o in dates:
            if o is hit or o.date == hit.date or _hits(f, o)[0]:
                continue
            lo, hi = (hit, o) if hit.start < o.start else (o, hit)
            between = tokens(folded[lo.end: hi.start])
            if set(between) <= _ALTERNATIVE | {"and", "between"} or "either" in toks:
                return INC, "alternatives", "offers several dates"
        return C, "date.match", f.date_reason
    others = [
        d for d in dates
        if not any(_hits(f, d)) and (d.date[0] != gy or (gm and d.date[1] not in (None, gm))
                                     or (gd and d.date[2] not in (None, gd)))
    ]
    if others:
        return INC, "date.other", f"gives {format_date(others[0].date)}, gold is {f.gold}"
    if vague:
        return INC, "date.vague", f"less precise than the gold {f.gold}"
    return _off_type(f, span, "date")
