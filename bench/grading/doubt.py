"""When the rules may call a verdict decided: the doubts that leave it a best guess.

The matchers find the gold (or another value) in the graded span. A careful reader could still
disagree when the span holds more than that answer: the gold mentioned in passing while a
correction commits to something else ("first reports said two; the final toll was three"),
arithmetic that carries the gold ("3 + 3 = 7"), candidates put as questions ("Lachin?
Kalbajar? I'd say Agdam."), or a table of different facts read as alternatives. Each check
here returns the best guess (undecided), or None when it has no doubt.

Best guesses read the response the way its writer committed: the part after the last
correction, the result after the last `=`, the words after the last question mark, the row
whose label names what is asked."""

from __future__ import annotations

import re
from collections.abc import Callable

from bench.grading.common import FILLER, FUNCTION, INC, NA, C, Outcome, Span
from bench.grading.facts import Facts
from bench.text.normalize import fold, stem, tokens
from bench.verdicts import Verdict

Regrade = Callable[[str], Outcome]
"""Grades a piece of the response on its own, as the whole would be graded."""

# Where a writer turns from one value to another: a contrast or a correction ("but the final
# toll was", "later revised it to", "in fact"). Words that deny what follows them ("rather
# than", "instead of") are not turns: "X rather than Y" commits to X.
_TURN = re.compile(
    r"\b(?:but|however|although|though|yet|whereas|actually|in fact|in reality|really|"
    r"revised|corrected|amended|later|subsequently|eventually|ultimately)\b")
_TURN_WORDS = frozenset("""but however although though yet whereas actually fact reality really
    revised corrected amended later subsequently eventually ultimately""".split())
# Arithmetic with a result: "3 + 3 = 7", "1 violation x 2 strikes = 3 violations".
_ARITHMETIC = re.compile(r"\d[\d,.]*\s*(?:[a-z]+\s+){0,2}(?:[+×*/−]|\bx\b|\bplus\b|\btimes\b|"
                         r"\bminus\b)\s*\d.*?(?:=|\bequals\b|\bmakes?\b|\bgives?\b)", re.I | re.S)
_RESULT = re.compile(r"(?:=|\bequals\b|\bmakes?\b|\bgives?\b)", re.I)
_QUESTION_MARK = re.compile(r"\?")
_CAPITAL = re.compile(r"(?<![.?!:]\s)(?<![.?!:])(?<!^)(?<!\n)\b([A-Z][\w'’-]+)")
_YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
_NEGATION_END = re.compile(r"\b(?:not|never|no)\s*[,;:]?\s*$")


def doubt(f: Facts, d: Span, verdict: Verdict, rule: str, response: str,
          regrade: Regrade) -> Outcome | None:
    """The best guess when a careful reader could disagree with `verdict`; None when not."""
    if verdict == C and rule != "exact":
        return (_arithmetic(f, d, regrade) or _asked_candidates(d, regrade)
                or _turned(f, d, regrade))
    if verdict == INC and rule == "alternatives":
        return _table_row(f, response, regrade)
    return None


def _arithmetic(f: Facts, d: Span, regrade: Regrade) -> Outcome | None:
    """A sum that carries the gold commits to its result."""
    if not _ARITHMETIC.search(d.raw):
        return None
    result = _RESULT.split(d.raw)[-1]
    verdict = regrade(result)[0] if result.strip() else NA
    if verdict == C:
        return C, "doubt.arithmetic", "arithmetic whose result is the gold"
    return INC, "doubt.arithmetic", "arithmetic whose result is not the gold"


def _asked_candidates(d: Span, regrade: Regrade) -> Outcome | None:
    """Candidates put as questions commit only to what follows the last question mark."""
    parts = _QUESTION_MARK.split(d.raw)
    if len(parts) < 2:
        return None
    after = parts[-1].strip(" \n\t*_")
    asked = [p for p in parts[:-1] if p.strip()]
    if after:
        verdict = regrade(_after_no(after))[0]
        if verdict in (C, INC):
            what = "the gold" if verdict == C else "another answer"
            return verdict, "doubt.candidates", f"asks about candidates, then commits to {what}"
    if len(asked) >= 2:
        return INC, "doubt.candidates", "candidates put as questions: no commitment"
    return None


def _after_no(text: str) -> str:
    """ "No, it was X" after a rejected candidate: the X is the answer."""
    return re.sub(r"^(?:no|nope|not quite|wrong)\b[\s,.!:;-]*", "", text, flags=re.I)


def _turned(f: Facts, d: Span, regrade: Regrade) -> Outcome | None:
    """The gold, then a turn, then a rival value of the asked type ("Early reports said two;
    the toll was later revised to three"): the response settles on the rival. The other way
    round ("Many say Lachin, but it was Shusha") it settles on the gold; either way a reader
    must weigh the turn, so the verdict is a best guess."""
    if f.type in ("yes_no",) or f.gold is None:
        return None
    if not _TURN_WORDS.intersection(d.toks) or not _rivals(f, d):
        return None
    # A paragraph after the one that answers is elaboration, not a correction of it.
    paragraphs = [p for p in re.split(r"\n\s*\n", d.raw) if p.strip()]
    first = next((p for p in paragraphs if regrade(p)[0] == C), d.raw)
    pieces = [p for p in _TURN.split(first) if p and p.strip()]
    if len(pieces) < 2:
        return None
    verdicts = [_piece_verdict(f, p, regrade) for p in pieces]
    named = [(i, v) for i, v in enumerate(verdicts) if v is not None]
    if len({v for _, v in named}) < 2:
        return None
    first_gold = next(i for i, v in named if v == C)
    last = named[-1]
    if last[1] == INC and last[0] > first_gold:
        return INC, "doubt.turn", "names the gold, then turns to another value"
    return C, "doubt.turn", "names another value, then turns to the gold"


def _piece_verdict(f: Facts, piece: str, regrade: Regrade) -> Verdict | None:
    """C where a piece names the gold, INC where it names a rival value, else None."""
    verdict = regrade(piece)[0]
    if verdict == C:
        return C
    if verdict != INC:
        return None
    if f.type in ("number", "date"):
        return INC if _names_a_value(f, piece) else None
    return INC if _rival_names(f, piece) else None


def _names_a_value(f: Facts, piece: str) -> bool:
    """Whether a piece of the response holds a value of the asked type at all."""
    folded = fold(piece)
    if f.type == "number":
        return any(ch.isdigit() for ch in piece) or bool(
            set(tokens(folded)) & _NUMBER_WORDS)
    if f.type == "date":
        return bool(_YEAR.search(piece)) or any(ch.isdigit() for ch in piece)
    return True


def _rivals(f: Facts, d: Span) -> bool:
    """Whether the span holds a value of the asked type that is not the gold."""
    if f.type == "number":
        gold = [g.value for g in f.numbers]
        q_values = {m.value for m in _question_numbers(f)}
        return any(not m.is_year and m.value not in q_values
                   and all(abs(m.value - g) > 1e-9 for g in gold) for m in d.mentions)
    if f.type == "date":
        gold_years = set(_YEAR.findall(" ".join(f.variants)))
        q_years = set(_YEAR.findall(f.question.question))
        years = set(_YEAR.findall(d.raw))
        return bool(years - gold_years - q_years) or len(_days(d.raw)) > 1
    return _rival_names(f, d.raw)


def _rival_names(f: Facts, raw: str) -> bool:
    """Whether `raw` names someone or something (a capitalised word past a sentence's start)
    that neither the question nor the gold names."""
    question = f.question_stems
    gold_words = {stem(w) for key in f.keys for w in key.split()}
    for m in _CAPITAL.finditer(raw):
        for w in tokens(fold(m.group(1))):
            s = stem(w)
            if w not in FILLER and w not in FUNCTION and s not in question \
                    and s not in gold_words:
                return True
    return False


def _days(raw: str) -> set[str]:
    return set(re.findall(r"\b([0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?[A-Z][a-z]+\b", raw))


def _question_numbers(f: Facts) -> list:  # type: ignore[type-arg]
    from bench.text.numbers import find_numbers

    return find_numbers(tokens(fold(f.question.question)))


_NUMBER_WORDS = frozenset("""one two three four five six seven eight nine ten eleven twelve
    thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty
    sixty seventy eighty ninety hundred thousand million dozen""".split())


def _table_row(f: Facts, response: str, regrade: Regrade) -> Outcome | None:
    """A table or list of different facts, one of which is the one asked: its row answers."""
    rows = _labelled_rows(response)
    if len(rows) < 2:
        return None
    wanted = f.question_content_stems
    scored = sorted(((len({stem(w) for w in tokens(fold(label))} & wanted), i)
                     for i, (label, _) in enumerate(rows)), reverse=True)
    best, second = scored[0], scored[1]
    if best[0] == 0 or best[0] == second[0]:
        return None
    verdict = regrade(rows[best[1]][1])[0]
    if verdict not in (C, INC):
        return None
    return verdict, "doubt.table", "a table of different facts: the row the question asks"


_ROW = re.compile(r"^\s*(?:[-*+]|\d+[.)])?\s*\**\s*([^:|\n]{2,60}?)\s*\**\s*[:|]\s*\**(.+?)\**"
                  r"\s*\|?\s*$", re.M)


def _labelled_rows(response: str) -> list[tuple[str, str]]:
    rows = []
    for m in _ROW.finditer(response):
        label, value = m.group(1).strip(" *_|"), m.group(2).strip(" *_|")
        if set(value) <= set("-:| ") or not value:
            continue
        if "|" in value:  # a table row: label | value | ...
            cells = [c.strip(" *_") for c in value.split("|") if c.strip(" *_")]
            if not cells:
                continue
            value = cells[0]
        rows.append((label, value))
    return rows
